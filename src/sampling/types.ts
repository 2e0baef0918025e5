/** Where a CPU reading comes from; stored with every sample. */
export type SampleSource = 'guest' | 'cgroup' | 'docker-stats' | 'host' | 'process';

/**
 * One reading of one worker. CPU shares are percentages of the CPUs allocated to
 * that worker (`allocCpus`): 100 means every allocated CPU was busy. `cores` is
 * the same load in host cores, for comparing across allocations.
 */
export interface Reading {
  at: number; // epoch ms when the reading was taken
  user: number;
  system: number;
  iowait: number | null; // not observable from cgroup or process views
  steal: number | null;
  idle: number | null;
  cores: number;
  allocCpus: number;
  memUsedBytes: number | null;
  memCachedBytes: number | null;
  memLimitBytes: number | null;
  /**
   * The workload processes' proportional and unique set size (smaps_rollup): the one memory
   * figure that means the same in every environment. null where the view cannot see them.
   */
  memPssBytes?: number | null;
  memUssBytes?: number | null;
  /** seconds without data before this reading (a lost connection was reopened); absent otherwise */
  gapS?: number | null;
  /**
   * The worker's network traffic in the interval before this reading (bytes and packets,
   * received and sent, every interface of its own namespace but loopback); null where the
   * worker has no network of its own (none, or the host's).
   */
  netRxBytes?: number | null;
  netTxBytes?: number | null;
  netRxPackets?: number | null;
  netTxPackets?: number | null;
}

export interface Sampler {
  readonly worker: string;
  readonly source: SampleSource;
  /** A short description of the formula, stored with the results. */
  readonly formula: string;
  start(onReading: (r: Reading) => void, onError: (err: Error) => void): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The sampling interval when the config names none: 40 samples in a run of 4 s, the default
 * experiment's container runs (docs/sampling.md: the choice and its cost).
 */
export const DEFAULT_INTERVAL_MS = 100;
/** The interval of results that do not record theirs: the default until 2026-12. */
export const UNRECORDED_INTERVAL_MS = 250;
