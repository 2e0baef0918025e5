import type { EnforcedLimits, MachineFacts } from '../results/types.js';

export type { EnforcedLimits };

import type { Sampler } from '../sampling/types.js';
import type { NetworkMode } from '../workload/roles.js';
import type { SegmentPort } from './segment.js';

export type { NetworkMode };

export interface Allocation {
  cpus: number;
  memoryBytes: number;
  /** host CPUs this worker is pinned to, when pinning is on */
  cpuset: number[] | null;
}

/** What a worker runs: `node barrier.mjs <entry> <args>` inside the worker's userland. */
export interface Invocation {
  entry: string; // relative to the workloads folder: "<workload>/<entry.mjs>"
  args: string[];
  /** a serving role: barrier.mjs --serve starts it at once; it prints ready itself once it accepts */
  serve?: boolean;
}

/** argv after `node barrier.mjs`: the entry and its args, `--serve` first for a serving role. Pure. */
export function barrierArgs(invocation: Invocation): string[] {
  return [...(invocation.serve ? ['--serve'] : []), invocation.entry, ...invocation.args];
}

export interface WorkerExit {
  code: number | null;
  /** why it ended abnormally, as specific as the backend can tell (OOMKilled, signal, ...) */
  reason: string | null;
  stderrTail: string;
}

/** A workload armed on one worker: started, printed ready, waiting for the barrier. */
export interface ArmedWorkload {
  readonly worker: string;
  /** Releases the workload (writes the start line). */
  release(): void;
  /** Tells a serving role to stop serving and report (writes the stop line); the others ignore it. */
  stop(): void;
  /** Settles when the workload process ends. */
  readonly exit: Promise<WorkerExit>;
  /** Stops it early (timeout, interrupt). */
  kill(): Promise<void>;
}

export interface WorkerHandle {
  readonly name: string;
  /** the remote host the worker runs on (the `hosts` section); absent: this machine */
  readonly host?: string;
  readonly allocation: Allocation;
  /** the limits the backend enforces on this worker (recorded in runs.ndjson) */
  readonly limits?: EnforcedLimits | null;
  /** a VM's CPU model, flags and clocksource as its guest saw them (known once armed) */
  readonly machine?: MachineFacts | null;
  /** seconds from start to reachable (VM: QEMU start to SSH ready); null where it means nothing */
  readonly bootS?: number | null;
  /**
   * Where the other workers of its run reach it: its address on the run's segment (bridge),
   * 127.0.0.1 (host); null without a network. Known once armed (an engine assigns it at start).
   */
  address?(): string | null;
  /** Starts the workload up to the barrier; resolves once the worker printed its ready line. */
  arm(invocation: Invocation, onLine: (line: string) => void): Promise<ArmedWorkload>;
  /** Samplers of this worker: its own view first (the figures' source), then other views of it. */
  samplers(intervalMs: number, memoryIntervalMs?: number): Sampler[];
}

export interface ProvisionRequest {
  runId: string;
  count: number;
  allocation: (index: number) => Allocation;
  signal: AbortSignal;
  /** where the backend may keep per-run artifacts (serial consoles) inside the results */
  artifactsDir: string;
  /** the workers' network: none, a segment of this run's own (bridge), or the host's (host) */
  network: NetworkMode;
  /** workers of roles placed on the host (the native backend only), named host-<i> */
  onHost?: true;
  /** with onHost on a bridge: join this segment, another environment's, as host endpoints instead of making one */
  join?: SegmentPort;
  /** network bridge on a remote host (a run over the hosts section): its part of a segment spanning hosts */
  span?: SegmentSpan;
}

/** One host's part of a run's segment that spans hosts (docs/hosts.md). */
export interface SegmentSpan {
  /** the run-wide index of each of this host's workers: their namespaces' names and addresses */
  indices: number[];
  /** this host's place among the run's hosts (an engine's per-host gateway address) */
  hostIndex: number;
  /** the overlay joining this host's bridge to the other hosts' (null: the run has one host) */
  vxlan: { vni: number; local: string; peers: string[] } | null;
  /** the segment's MTU: the overlay's 50 bytes less than the hosts' own 1500 */
  mtu: number;
}

/** Facts recorded in experiment.json. */
export type EnvironmentInfo = Record<string, unknown>;

/**
 * One backend. `provision` creates the workers of one run, `teardown` removes
 * every trace of that run and must be safe to call twice and after a failure.
 */
export interface Environment {
  readonly name: string;
  /** Gets the backend ready for runs (engine answering, image loaded, accelerator chosen, service started); once, before any run. */
  prepare(): Promise<void>;
  /** What experiment.json records about the prepared backend; no side effects. */
  describe(): Promise<EnvironmentInfo>;
  provision(request: ProvisionRequest): Promise<WorkerHandle[]>;
  teardown(runId: string): Promise<void>;
  /**
   * After provision with network bridge: where the run's segment is on this machine, for
   * the workers of roles placed on the host to join. Absent: this backend cannot host them.
   */
  segmentPort?(runId: string): Promise<SegmentPort>;
  /**
   * Where this environment's roles placed on the host run when not on this machine (a run
   * spanning remote hosts: native on the first of them); absent or null: this machine.
   */
  rolesOnHost?(): Environment | null;
  /** After a run hung: a sentence on what is wrong with the backend itself, or null. */
  diagnose?(): Promise<string | null>;
  /** Facts of the backend as a run starts (the accelerator a VM run used), kept in its runs.ndjson line. */
  runFacts?(): Record<string, unknown>;
  /** Facts that changed during the experiment (an accelerator fallback), merged into experiment.json at the end. */
  infoUpdates?(): EnvironmentInfo;
  /** The hosts' own views (remote /proc/stat), for backends whose workers run elsewhere; absent: this machine's. */
  hostSamplers?(intervalMs: number): Sampler[];
  /**
   * At the end of an experiment: removes what is left of its own runs (run ids start with
   * `<experimentId>-`) and nothing of another experiment running beside it. One of the three
   * cleanups: a run's (teardown), an experiment's (this), every leftover (the descriptor's
   * `clean`, `versus clean`).
   */
  cleanExperiment(experimentId: string): Promise<string[]>;
  /** At the end of an experiment, after cleanExperiment: stops what the backend started for it (a daemon). */
  close?(): Promise<void>;
}
