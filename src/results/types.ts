import type { Reading, SampleSource } from '../sampling/types.js';

/** The limits the backend really enforces on a worker, recorded with every run. */
export interface EnforcedLimits {
  /** CPUs the worker may use (a CFS quota, or vCPUs); null: unlimited */
  cpus: number | null;
  memoryBytes: number | null;
  cpuset: number[] | null;
  /** how: "docker HostConfig NanoCpus, Memory", "cgroup v1 cpu.cfs_quota_us, …", "VM vCPUs and RAM", "none" */
  via: string;
}

/** The machine a VM worker's code ran on, as its guest saw it: a VM flavour must not change compute speed silently. */
export interface MachineFacts {
  /** /proc/cpuinfo's model name (QEMU's -cpu model) */
  cpuModel: string;
  /** how many CPU feature flags the guest sees (SIMD and the like: what compiled code may use) */
  cpuFlags: number;
  /** the kernel's clocksource (tsc, kvm-clock, hpet, acpi_pm, jiffies: what every clock read costs) */
  clocksource: string | null;
}

export interface PhaseMark {
  worker: string;
  phase: string;
  state: 'begin' | 'end';
  t: number; // seconds since the barrier, host clock at arrival
  ms?: number;
}

export interface WorkerRecord {
  worker: string;
  /** its role in a workload with roles (server, client, …); absent: every worker alike */
  role?: string;
  /** a role placed on the host: a native process beside the environment's workers, not one of them */
  onHost?: true;
  /** its address on the run's network (bridge: the segment's; host: 127.0.0.1); absent without one */
  address?: string;
  /** the remote host it ran on (the `hosts` section); absent: the harness's machine */
  host?: string;
  allocCpus: number;
  memoryBytes: number;
  cpuset: number[] | null;
  bootS: number | null; // VM: QEMU start -> SSH ready (the paper's Fig. 3)
  /** what the backend enforced (CFS quota / vCPUs, memory limit, how); absent in older results */
  limits?: EnforcedLimits | null;
  /** a VM's CPU model, flags and clocksource as its guest saw them; absent elsewhere and in older results */
  machine?: MachineFacts;
  readyS: number | null; // provision start -> the workload's ready line
  endS: number | null; // seconds since the barrier
  exitCode: number | null;
  reason: string | null;
  checksum: string | null;
  /** the workload's own metrics from its result line, as its manifest declares them */
  metrics: Record<string, number>;
  peakRssBytes: number | null;
  phasesMs: Record<string, number>;
  node: string | null;
  stderrTail: string;
}

export type RunStatus = 'ok' | 'failed' | 'interrupted';

/** The drift canary's reading before a run's block: host speed on a fixed piece of work. */
export interface CanaryProbe {
  /** million steps a second of the canary's kernel (higher: a faster host) */
  mstepsPerS: number;
  at: string;
  /** the CPU it was pinned to; null when it could not be pinned */
  cpu: number | null;
}

export interface RunRecord {
  run: string;
  /** the workload entry's id (its name, or name@preset); absent in results before suites */
  workload?: string;
  index: number;
  env: string;
  instances: number;
  repetition: number; // warm-ups are negative
  warmup: boolean;
  status: RunStatus;
  reason: string | null;
  /** the workers' network (absent in results from before networks: none) */
  network?: 'none' | 'bridge' | 'host';
  /** the servers' endpoints (address:port) the other workers were given, with roles */
  peers?: string[];
  workKey: string;
  checksum: string | null;
  barrierAt: string | null; // ISO time of the barrier
  provisionS: number | null;
  makespanS: number | null;
  workers: WorkerRecord[];
  phases: PhaseMark[];
  /** the source of the workers' own view (their first sampler); absent in older results */
  workerSource?: SampleSource;
  /** the backend's facts for this run (e.g. the VM accelerator); absent in older results */
  envFacts?: Record<string, unknown>;
  /** the drift canary of the run's block; absent when it did not run (older results, `canary: false`) */
  canary?: CanaryProbe;
}

/** A reading placed in its run: t is seconds since the run's barrier (negative before it). */
export interface SampleRecord extends Omit<Reading, 'at'> {
  run: string;
  /** the run's workload id ('' in results before suites) */
  workload: string;
  env: string;
  instances: number;
  repetition: number;
  worker: string;
  source: SampleSource;
  t: number;
}

export const SAMPLE_COLUMNS: (keyof SampleRecord)[] = [
  'run',
  'env',
  'instances',
  'repetition',
  'worker',
  'source',
  't',
  'user',
  'system',
  'iowait',
  'steal',
  'idle',
  'cores',
  'allocCpus',
  'memUsedBytes',
  'memCachedBytes',
  'memLimitBytes',
  'gapS',
  'memPssBytes',
  'memUssBytes',
  'workload',
  'netRxBytes',
  'netTxBytes',
  'netRxPackets',
  'netTxPackets',
];

/**
 * A metric, declared the same way everywhere: in a workload's manifest, in experiment.json
 * (`workloads[].metrics`), for the harness's own (results/metrics.ts METRICS), and in
 * summary.json (`metrics`, with its name).
 */
export interface MetricDecl {
  unit: string;
  better: 'higher' | 'lower';
  headline?: boolean;
  description?: string;
  /** sane bounds: a value outside them fails the worker's verification (manifests) */
  min?: number;
  max?: number;
}

/** One workload entry of an experiment as experiment.json records it. */
export interface WorkloadMeta {
  id: string;
  name: string;
  version: number;
  preset: string;
  params: Record<string, string | number | boolean>;
  workKey: string;
  verification: 'checksum' | 'bounds';
  /** the network its runs got (absent in results from before networks: none) */
  network?: 'none' | 'bridge' | 'host';
  /** its workers' roles (absent: every worker alike) */
  roles?: Record<string, { count: number | 'rest'; serve: boolean; reports: boolean }>;
  description?: string;
  /** a published result it answers, from its manifest (the report's reference table) */
  reference?: WorkloadReference;
  metrics: Record<string, MetricDecl>;
  headline: string;
}

/** A published result a workload answers: e.g. Felter et al.'s ratio against native per environment. */
export interface WorkloadReference {
  source: string;
  benchmark: string;
  /** column → finding, e.g. Docker → "about 2x with NAT" */
  findings: Record<string, string>;
  /** the findings as numbers, where they give one: the report marks measured ratios outside them */
  ranges?: PublishedRange[];
}

/**
 * A published ratio range: how many times worse than `against` (the metric's direction
 * decides which way a ratio is "worse") environments of these kinds were found.
 */
export interface PublishedRange {
  /** the findings column it quantifies, e.g. "Docker" */
  finding: string;
  /** where it comes from when not the reference's own source */
  source?: string;
  /** the environment kinds it speaks for */
  kinds: string[];
  /** the kind it was measured against (default: native, in the host's network namespace for a networked workload) */
  against?: string;
  /** the metric (default: the workload's headline; without one, the makespan) */
  metric?: string;
  /** only runs on this network (bridge or host) */
  network?: string;
  lo: number;
  /** null: no upper end published ("more than 1.67x") */
  hi: number | null;
}

/** One switch of a VM backend's accelerator during an experiment (a guest died under KVM). */
export interface AcceleratorChange {
  run: string;
  from: string;
  to: string;
  reason: string;
}

/**
 * What a VM backend records of its accelerator in experiment.json (`environments.<name>`),
 * the same for every VM backend (qemu directly, vagrant through libvirt or VirtualBox);
 * reports and the history read it through acceleratorFacts.
 */
export interface AcceleratorFacts {
  accelerator: string;
  acceleratorReason?: string;
  acceleratorProbedAt?: string | null;
  acceleratorChanges?: AcceleratorChange[];
}

/** A backend's recorded facts as AcceleratorFacts, or null when it records no accelerator (not a VM). */
export function acceleratorFacts(info: unknown): AcceleratorFacts | null {
  if (typeof info !== 'object' || info === null) return null;
  const o = info as Record<string, unknown>;
  if (typeof o.accelerator !== 'string') return null;
  return {
    accelerator: o.accelerator,
    ...(typeof o.acceleratorReason === 'string' ? { acceleratorReason: o.acceleratorReason } : {}),
    ...(Array.isArray(o.acceleratorChanges) ? { acceleratorChanges: o.acceleratorChanges as AcceleratorChange[] } : {}),
  };
}
