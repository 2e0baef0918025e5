// What a run records of each worker: its allocation and limits, when it was ready and
// ended, how it exited, and its result (checksum, metrics, peak RSS, phases).
import type { WorkerExit, WorkerHandle } from '../environments/types.js';
import type { WorkerRecord } from '../results/types.js';
import type { WorkloadManifest } from '../workload/manifest.js';
import type { WorkloadResult } from '../workload/protocol.js';
import type { RoleSlot } from '../workload/roles.js';
import { metricProblem, UNVERIFIED } from './verify.js';

/** What the harness saw of one worker during a run. */
export class WorkerState {
  readyAt: number | null = null;
  endAt: number | null = null;
  result: WorkloadResult | null = null;
  node: string | null = null;
  /** when its process ended (a server that ends before it is stopped died mid-run) */
  exitedAt: number | null = null;
  constructor(readonly handle: WorkerHandle) {}
}

export function workerRecord(
  st: WorkerState,
  exit: WorkerExit,
  t0: number,
  provisionStart: number,
  manifest: WorkloadManifest,
  slot?: RoleSlot | null,
): WorkerRecord {
  const a = st.handle.allocation;
  const r = st.result;
  // the declared metrics are the reporting role's; a server's result is verified by itself
  const reports = !slot || manifest.roles?.[slot.role]?.reports;
  const resultProblem = r ? (!r.verified ? UNVERIFIED : reports ? metricProblem(manifest, r.metrics) : null) : null;
  const address = st.handle.address?.() ?? null;
  return {
    worker: st.handle.name,
    ...(slot ? { role: slot.role } : {}),
    ...(slot?.host ? { onHost: true as const } : {}),
    ...(address ? { address } : {}),
    ...(st.handle.host ? { host: st.handle.host } : {}),
    allocCpus: a.cpus,
    memoryBytes: a.memoryBytes,
    cpuset: a.cpuset,
    bootS: st.handle.bootS ?? null,
    limits: st.handle.limits ?? null,
    ...(st.handle.machine ? { machine: st.handle.machine } : {}),
    readyS: st.readyAt !== null ? (st.readyAt - provisionStart) / 1000 : null,
    endS: st.endAt !== null ? (st.endAt - t0) / 1000 : null,
    exitCode: exit.code,
    reason: exit.reason ?? resultProblem,
    checksum: r?.verified ? r.checksum : null,
    metrics: r?.metrics ?? {},
    peakRssBytes: r?.peakRssBytes ?? null,
    phasesMs: r?.ms ?? {},
    node: st.node,
    stderrTail: exit.stderrTail,
  };
}
