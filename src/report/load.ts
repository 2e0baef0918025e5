import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../config/errors.js';
import type { EnvironmentView } from '../environments/descriptor.js';
import { FILES, readNdjson, readSamples } from '../results/store.js';
import type { RunRecord, SampleRecord, WorkloadMeta } from '../results/types.js';

/** What a report is made from: one results directory, read without trusting it. */
export interface ResultSet {
  dir: string;
  name: string;
  meta: ExperimentMeta;
  runs: RunRecord[];
  samples: SampleRecord[];
  /** the experiment did not finish (interrupted or crashed): render what exists, say so */
  incomplete: boolean;
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
}

export function loadResults(dir: string): ResultSet {
  const metaFile = path.join(dir, FILES.experiment);
  if (!fs.existsSync(metaFile)) throw new UsageError(`${dir}: not a versus results directory (no ${FILES.experiment})`);
  let meta: ExperimentMeta;
  try {
    meta = JSON.parse(fs.readFileSync(metaFile, 'utf8')) as ExperimentMeta;
  } catch (err) {
    throw new UsageError(`${metaFile}: not valid JSON (${(err as Error).message})`);
  }
  let runs: RunRecord[];
  let samples: SampleRecord[];
  try {
    runs = readNdjson<RunRecord>(path.join(dir, FILES.runs));
    samples = readSamples(path.join(dir, FILES.samples));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return {
    dir,
    name: meta.experiment?.name ?? path.basename(dir),
    meta,
    runs,
    samples,
    incomplete: meta.status !== 'complete',
  };
}

/** The workloads the results declare; results before suites declare none (their runs have no workload id). */
export function workloadsOf(meta: ExperimentMeta): WorkloadMeta[] {
  return Array.isArray(meta.workloads) ? meta.workloads : [];
}
