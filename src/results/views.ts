// Which samples show a worker's own view, and which memory figure compares across environments. Pure.
import type { RunRecord, SampleRecord } from './types.js';

/** The worker's own view per environment, for results that do not record it (older than workerSource). */
export const WORKER_SOURCE: Record<string, SampleRecord['source']> = {
  docker: 'cgroup',
  qemu: 'guest',
  vagrant: 'guest',
  native: 'process',
};

/**
 * The memory figure that means the same everywhere: the workload processes' PSS where the
 * sampler saw them (smaps_rollup), else what the view charges (older results, remote engines).
 */
export function comparableMemory(s: Pick<SampleRecord, 'memPssBytes' | 'memUsedBytes'>): number | null {
  return s.memPssBytes ?? s.memUsedBytes ?? null;
}

/** The sample source that is the worker's own view in this run. */
export function workerSourceOf(run: Pick<RunRecord, 'env' | 'workerSource'>): SampleRecord['source'] | undefined {
  return run.workerSource ?? WORKER_SOURCE[run.env];
}
