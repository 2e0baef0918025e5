// The columnar layout of results: column types and the SQL that turns NDJSON
// lines into typed rows. Pure: strings in, strings out.
import { SAMPLE_COLUMNS, type SampleRecord, type WorkerRecord } from '../types.js';
import { lit } from './duck.js';

export const COLUMNAR_FORMAT = 'versus-columnar/1';

/** Parquet column types of samples; every measurement is DOUBLE so values read back exactly as written. */
export const SAMPLE_TYPES: Record<keyof SampleRecord, 'VARCHAR' | 'INTEGER' | 'DOUBLE'> = {
  run: 'VARCHAR',
  env: 'VARCHAR',
  instances: 'INTEGER',
  repetition: 'INTEGER',
  worker: 'VARCHAR',
  source: 'VARCHAR',
  t: 'DOUBLE',
  user: 'DOUBLE',
  system: 'DOUBLE',
  iowait: 'DOUBLE',
  steal: 'DOUBLE',
  idle: 'DOUBLE',
  cores: 'DOUBLE',
  allocCpus: 'DOUBLE',
  memUsedBytes: 'DOUBLE',
  memCachedBytes: 'DOUBLE',
  memLimitBytes: 'DOUBLE',
  gapS: 'DOUBLE',
  memPssBytes: 'DOUBLE',
  memUssBytes: 'DOUBLE',
  workload: 'VARCHAR',
  netRxBytes: 'DOUBLE',
  netTxBytes: 'DOUBLE',
  netRxPackets: 'DOUBLE',
  netTxPackets: 'DOUBLE',
};

/** Rows sorted so one run's samples sit together: better compression, and a run's drill-down reads one range. */
export const SAMPLE_ORDER = 'run, source, worker, t';

/**
 * The SELECT list that types one NDJSON line held in column `json`: by position
 * after a header line naming the columns (`columns`), or by name for the oldest
 * results, one object per line (`columns` null). Columns the file lacks are NULL
 * (the workload: '', results before suites).
 */
export function sampleSelect(columns: readonly string[] | null): string {
  return SAMPLE_COLUMNS.map((c) => {
    const i = columns ? columns.indexOf(c) : -2;
    const path = columns === null ? lit(c) : String(i);
    const value = i === -1 ? 'NULL' : `json->>${path}`;
    const typed = `CAST(${value} AS ${SAMPLE_TYPES[c]})`;
    return `${c === 'workload' ? `coalesce(${typed}, '')` : typed} AS "${c}"`;
  }).join(', ');
}

/** One row per run for the `runs` table; the workers' own metrics as a map (mean over workers). */
export interface RunRow {
  run: string;
  workload: string;
  env: string;
  instances: number;
  repetition: number;
  warmup: boolean;
  status: string;
  reason: string | null;
  workKey: string;
  checksum: string | null;
  barrierAt: string | null;
  provisionS: number | null;
  makespanS: number | null;
  workerSource: string | null;
  metrics: Record<string, number>;
  /** none, bridge or host ('none' for results from before networks) */
  network: string;
}

/** One row per worker of a run for the `workers` table: the run's identity, then the worker's record. */
export type WorkerRow = Pick<RunRow, 'run' | 'workload' | 'env' | 'instances' | 'repetition'> &
  Omit<WorkerRecord, 'cpuset' | 'limits' | 'stderrTail'>;

export const RUN_TYPES: Record<keyof RunRow, string> = {
  run: 'VARCHAR',
  workload: 'VARCHAR',
  env: 'VARCHAR',
  instances: 'INTEGER',
  repetition: 'INTEGER',
  warmup: 'BOOLEAN',
  status: 'VARCHAR',
  reason: 'VARCHAR',
  workKey: 'VARCHAR',
  checksum: 'VARCHAR',
  barrierAt: 'TIMESTAMPTZ',
  provisionS: 'DOUBLE',
  makespanS: 'DOUBLE',
  workerSource: 'VARCHAR',
  metrics: 'MAP(VARCHAR, DOUBLE)',
  network: 'VARCHAR',
};

export const WORKER_TYPES: Record<keyof WorkerRow, string> = {
  run: 'VARCHAR',
  workload: 'VARCHAR',
  env: 'VARCHAR',
  instances: 'INTEGER',
  repetition: 'INTEGER',
  worker: 'VARCHAR',
  host: 'VARCHAR',
  allocCpus: 'DOUBLE',
  memoryBytes: 'DOUBLE',
  bootS: 'DOUBLE',
  readyS: 'DOUBLE',
  endS: 'DOUBLE',
  exitCode: 'INTEGER',
  reason: 'VARCHAR',
  checksum: 'VARCHAR',
  peakRssBytes: 'DOUBLE',
  node: 'VARCHAR',
  metrics: 'MAP(VARCHAR, DOUBLE)',
  phasesMs: 'MAP(VARCHAR, DOUBLE)',
  role: 'VARCHAR',
  onHost: 'BOOLEAN',
  address: 'VARCHAR',
  machine: 'STRUCT(cpuModel VARCHAR, cpuFlags INTEGER, clocksource VARCHAR)',
};

/** read_json's `columns` argument for a table of these types. */
export function jsonColumns(types: Record<string, string>): string {
  return `{${Object.entries(types)
    .map(([name, type]) => `${lit(name)}: ${lit(type)}`)
    .join(', ')}}`;
}
