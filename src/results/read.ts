import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../util/errors.js';
import type { Duck } from './columnar/duck.js';
import { openColumnar } from './columnar/open.js';
import { duckRunStats } from './columnar/runStats.js';
import { type SourceStats, type StatsByRun, sourceStats, statsByRun } from './sampleStats.js';
import { FILES, readNdjsonLines, readSamples } from './store.js';
import type { RunRecord, SampleRecord, WorkloadMeta } from './types.js';
import type { EnvironmentView } from './views.js';

// The one reader of a results directory (report, compare, history and the experiment's
// own summary go through it): experiment.json, runs.ndjson, and the samples either
// through the columnar engine (Parquet, compacted first when out of date) or read whole
// from samples.ndjson (the reference path).

/** The samples of a result set: in the columnar engine, or in memory. */
export type StoredSamples = (
  | { readonly kind: 'parquet'; readonly duck: Duck }
  | { readonly kind: 'memory'; readonly rows: readonly SampleRecord[] }
) & {
  /** per run x source statistics of these runs' samples */
  stats(runs: readonly RunRecord[]): Promise<SourceStats[]>;
  close(): void;
};

/** One results directory, read without trusting it. */
export interface ResultSet {
  dir: string;
  name: string;
  meta: ExperimentMeta;
  runs: RunRecord[];
  /** the samples, answered by the columnar engine (openResults) or from memory (loadResults); close() when done */
  samples: StoredSamples;
  /** the experiment did not finish (interrupted or crashed): render what exists, say so */
  incomplete: boolean;
  /** lines of the logs that could not be read and were left out, named ("runs.ndjson:7: …") */
  skipped: string[];
}

export interface ExperimentMeta {
  status?: string;
  /** how each environment is shown (label, kind, colour, worker source); absent in older results */
  views?: Record<string, EnvironmentView>;
  experimentId?: string;
  startedAt?: string;
  finishedAt?: string;
  experiment?: {
    name?: string;
    environments?: string[];
    instances?: number[];
    repetitions?: number;
    warmup?: number;
    worker?: { cpus?: number; memoryMiB?: number; pinCpus?: boolean };
    sampling?: { intervalMs?: number };
    workload?: { name?: string; preset?: string };
  };
  /** every workload entry with its declared metrics; absent in results before suites */
  workloads?: WorkloadMeta[];
  suite?: string | null;
  host?: {
    cpu?: { brand?: string; cores?: number };
    os?: { distro?: string; release?: string; kernel?: string };
    memoryBytes?: number;
    node?: string;
  };
  image?: { hash?: string; node?: string; kernel?: string; buildSeconds?: number } | null;
  environments?: Record<string, Record<string, unknown>>;
  formulas?: Record<string, string>;
  /** host fitness read before the runs (hosts/fitness.ts); absent in older results */
  hostFitness?: { name: string; verdict: string; value: string; advice: string }[];
}

/** experiment.json of a results directory; a missing or broken one is a UsageError naming it. */
export function readMeta(dir: string): ExperimentMeta {
  const metaFile = path.join(dir, FILES.experiment);
  if (!fs.existsSync(metaFile)) throw new UsageError(`${dir}: not a versus results directory (no ${FILES.experiment})`);
  try {
    return JSON.parse(fs.readFileSync(metaFile, 'utf8')) as ExperimentMeta;
  } catch (err) {
    throw new UsageError(`${metaFile}: not valid JSON (${(err as Error).message})`);
  }
}

function readRuns(dir: string): { rows: RunRecord[]; skipped: string[] } {
  try {
    return readNdjsonLines<RunRecord>(path.join(dir, FILES.runs));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function resultSet(
  dir: string,
  meta: ExperimentMeta,
  runs: { rows: RunRecord[]; skipped: string[] },
  samples: StoredSamples,
): ResultSet {
  return {
    dir,
    name: meta.experiment?.name ?? path.basename(dir),
    meta,
    runs: runs.rows,
    samples,
    incomplete: meta.status !== 'complete',
    skipped: runs.skipped,
  };
}

/**
 * A results directory through the columnar engine: its Parquet files are brought up
 * to date first (an interrupted or older experiment is compacted here). Close
 * rs.samples when done.
 */
export async function openResults(dir: string, opts: { log?: (m: string) => void } = {}): Promise<ResultSet> {
  const meta = readMeta(dir);
  const runs = readRuns(dir);
  const columnar = await openColumnar(dir, opts);
  const duck = columnar.duck;
  let open = true;
  const close = () => {
    if (open) columnar.close();
    open = false;
  };
  return resultSet(dir, meta, runs, { kind: 'parquet', duck, stats: (r) => duckRunStats(duck, r), close });
}

/** Runs fn on an opened result set and closes it, whatever happens; what was skipped is said (stderr by default). */
export async function withResults<T>(
  dir: string,
  fn: (rs: ResultSet) => T | Promise<T>,
  opts: { log?: (m: string) => void } = {},
): Promise<T> {
  const log = opts.log ?? ((m: string) => process.stderr.write(`versus: ${m}\n`));
  const rs = await openResults(dir, { log });
  for (const line of rs.skipped) log(line);
  try {
    return await fn(rs);
  } finally {
    rs.samples.close();
  }
}

/** The per-run statistics of every run's samples. */
export async function statsOfResults(rs: ResultSet): Promise<StatsByRun> {
  return statsByRun(await rs.samples.stats(rs.runs));
}

/** A results directory read whole into memory from its NDJSON logs: the reference path (tests, the benchmark's anchor). */
export function loadResults(dir: string): ResultSet {
  const meta = readMeta(dir);
  const runs = readRuns(dir);
  let samples: ReturnType<typeof readSamples>;
  try {
    samples = readSamples(path.join(dir, FILES.samples));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const rows = samples;
  return resultSet(dir, meta, runs, {
    kind: 'memory',
    rows,
    stats: async (r) => sourceStats(r, rows),
    close: () => {},
  });
}

/** The workloads the results declare; results before suites declare none (their runs have no workload id). */
export function workloadsOf(meta: ExperimentMeta): WorkloadMeta[] {
  return Array.isArray(meta.workloads) ? meta.workloads : [];
}
