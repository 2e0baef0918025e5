// Records for unit tests: a worker that ended well, with what a test overrides.
import type { WorkerRecord } from '../../src/results/types.js';

export const worker = (over: Partial<WorkerRecord> = {}): WorkerRecord => ({
  worker: 'w0',
  allocCpus: 1,
  memoryBytes: 1,
  cpuset: null,
  bootS: null,
  readyS: 0.1,
  endS: 1,
  exitCode: 0,
  reason: null,
  checksum: 'aaaa',
  metrics: { opsPerSecond: 100 },
  peakRssBytes: 1,
  phasesMs: {},
  node: 'v18',
  stderrTail: '',
  ...over,
});
