import path from 'node:path';
import type { Experiment } from '../config/schema.js';
import type { Allocation, ArmedWorkload, Environment, WorkerHandle } from '../environments/types.js';
import type { PhaseMark, RunRecord, SampleRecord, WorkerRecord } from '../results/types.js';
import { HostSampler } from '../sampling/hostSampler.js';
import type { Reading, Sampler } from '../sampling/types.js';
import { withTimeout as timeout } from '../util/timeout.js';
import { type ResolvedWorkload, type WorkloadManifest, workloadArgs } from '../workload/manifest.js';
import { parseWorkloadLine, type WorkloadResult } from '../workload/protocol.js';
import { cpusetFor, type PlannedRun, runName } from './plan.js';
import { metricProblem, verifyRun } from './verify.js';

export interface RunContext {
  experiment: Experiment;
  workload: ResolvedWorkload;
  hostCpus: number;
  onSamples: (rows: SampleRecord[]) => void;
  onProgress: (message: string) => void;
  signal: AbortSignal;
  artifactsDir: string;
  /** unique per experiment: keeps container names and VM folders of two experiments apart */
  experimentId: string;
  references: Map<string, string>;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const onAbort = () => {
      clearTimeout(t);
      resolve();
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return timeout(p, ms, () => new Error(`${what} timed out after ${Math.round(ms / 1000)} s`));
}

class WorkerState {
  readyAt: number | null = null;
  endAt: number | null = null;
  result: WorkloadResult | null = null;
  node: string | null = null;
  constructor(readonly handle: WorkerHandle) {}
}

/** One cell of the matrix, one repetition: provision, arm, sample, release, verify, tear down. */
export async function executeRun(ctx: RunContext, env: Environment, plan: PlannedRun): Promise<RunRecord> {
  const { experiment: e } = ctx;
  const run = runName(plan);
  const envRunId = `${ctx.experimentId}-${run}`;
  const allocation = (i: number): Allocation => ({
    cpus: e.worker.cpus,
    memoryBytes: e.worker.memoryMiB * 2 ** 20,
    cpuset: e.worker.pinCpus ? cpusetFor(i, e.worker.cpus, ctx.hostCpus) : null,
  });
  const record: RunRecord = {
    run,
    workload: ctx.workload.id,
    index: plan.index,
    env: plan.env,
    instances: plan.instances,
    repetition: plan.repetition,
    warmup: plan.warmup,
    status: 'failed',
    reason: null,
    workKey: ctx.workload.workKey,
    checksum: null,
    barrierAt: null,
    provisionS: null,
    makespanS: null,
    workers: [],
    phases: [],
  };
  const states: WorkerState[] = [];
  const armed: ArmedWorkload[] = [];
  const samplers: Sampler[] = [];
  let t0: number | null = null;
  type Row = SampleRecord & { at: number };
  const pending: Row[] = [];
  const toRow = (s: Sampler, r: Reading): Row => ({
    run,
    workload: ctx.workload.id,
    env: plan.env,
    instances: plan.instances,
    repetition: plan.repetition,
    worker: s.worker,
    source: s.source,
    t: 0,
    user: r.user,
    system: r.system,
    iowait: r.iowait,
    steal: r.steal,
    idle: r.idle,
    cores: r.cores,
    allocCpus: r.allocCpus,
    memUsedBytes: r.memUsedBytes,
    memCachedBytes: r.memCachedBytes,
    memLimitBytes: r.memLimitBytes,
    gapS: r.gapS ?? null,
    memPssBytes: r.memPssBytes ?? null,
    memUssBytes: r.memUssBytes ?? null,
    at: r.at, // t is filled in once the barrier time is known
  });
  const emitRow = (row: Row) => {
    if (t0 === null) {
      pending.push(row);
      return;
    }
    const { at, ...rest } = row;
    ctx.onSamples([{ ...rest, t: (at - t0) / 1000 }]);
  };
  const samplerErrors: string[] = [];
  const startSampler = async (s: Sampler) => {
    samplers.push(s);
    await s.start(
      (r) => emitRow(toRow(s, r)),
      (err) => {
        if (samplerErrors.length < 5) samplerErrors.push(`${s.worker}/${s.source}: ${err.message}`);
      },
    );
  };

  const provisionStart = Date.now();
  try {
    // the host view: this machine's, or each remote host's when the workers run there
    if (e.sampling.host)
      for (const s of env.hostSamplers?.(e.sampling.intervalMs) ?? [new HostSampler(e.sampling.intervalMs)])
        await startSampler(s);
    ctx.onProgress(`${run}: provisioning ${plan.instances} worker(s)`);
    const facts = env.runFacts?.();
    if (facts && Object.keys(facts).length) record.envFacts = facts;
    const handles = await withTimeout(
      env.provision({
        runId: envRunId,
        count: plan.instances,
        allocation,
        signal: ctx.signal,
        artifactsDir: path.join(ctx.artifactsDir, run),
      }),
      e.timeouts.provisionS * 1000,
      'provisioning',
    );
    const args = workloadArgs(ctx.workload, { threads: Math.max(1, Math.ceil(e.worker.cpus)) });
    const invocation = { entry: `${ctx.workload.manifest.name}/${ctx.workload.manifest.entry}`, args };
    const onLine = (st: WorkerState) => (line: string) => {
      const ev = parseWorkloadLine(line);
      if (!ev) return;
      const now = Date.now();
      if (ev.type === 'ready') {
        st.readyAt = now;
        st.node = ev.node;
      } else if (ev.type === 'phase' && t0 !== null) {
        const mark: PhaseMark = { worker: st.handle.name, phase: ev.phase, state: ev.state, t: (now - t0) / 1000 };
        if (ev.ms !== undefined) mark.ms = ev.ms;
        record.phases.push(mark);
      } else if (ev.type === 'result') {
        st.result = ev.result;
        st.endAt = now;
      }
    };
    for (const h of handles) states.push(new WorkerState(h));
    const armedAll = await withTimeout(
      Promise.all(states.map((st) => st.handle.arm(invocation, onLine(st)))),
      e.timeouts.provisionS * 1000,
      'starting the workers',
    );
    armed.push(...armedAll);
    record.provisionS = (Date.now() - provisionStart) / 1000;
    if (ctx.signal.aborted) throw new Error('interrupted');

    for (const st of states) {
      // by convention a worker's first sampler is its own view (guest, cgroup, process)
      const own = st.handle.samplers(e.sampling.intervalMs, e.sampling.memoryIntervalMs);
      if (own[0] && !record.workerSource) record.workerSource = own[0].source;
      for (const s of own) await startSampler(s);
    }
    await sleep(e.sampling.settleMs, ctx.signal);
    if (ctx.signal.aborted) throw new Error('interrupted');

    ctx.onProgress(`${run}: running`);
    t0 = Date.now();
    record.barrierAt = new Date(t0).toISOString();
    for (const a of armed) a.release();
    for (const row of pending.splice(0)) emitRow(row);

    // The deadline is cancelled once the workers end, so no timer or abort
    // listener outlives the run.
    const deadline = new AbortController();
    const exits = await Promise.race([
      Promise.all(armed.map((a) => a.exit)),
      sleep(e.timeouts.runS * 1000, AbortSignal.any([ctx.signal, deadline.signal])).then(() => null),
    ]).finally(() => deadline.abort());
    if (exits === null) {
      if (ctx.signal.aborted) {
        await Promise.all(armed.map((a) => a.kill()));
        throw new Error('interrupted');
      }
      const why = (await env.diagnose?.()) ?? null;
      await Promise.all(armed.map((a) => a.kill()));
      throw new Error(`run timed out after ${e.timeouts.runS} s${why ? `: ${why}` : ''}`);
    }
    const ended = Date.now();
    await sleep(e.sampling.settleMs, ctx.signal);

    record.workers = states.map((st, i) => workerRecord(st, exits[i]!, t0!, provisionStart, ctx.workload.manifest));
    const lastEnd = Math.max(...states.map((st) => st.endAt ?? ended));
    record.makespanS = (lastEnd - t0) / 1000;
    const verdict = verifyRun(
      record.workers,
      ctx.references.get(ctx.workload.workKey),
      ctx.workload.manifest.verification,
    );
    if (verdict.ok) {
      record.status = 'ok';
      record.checksum = verdict.checksum;
      if (!ctx.references.has(ctx.workload.workKey)) ctx.references.set(ctx.workload.workKey, verdict.checksum);
    } else {
      record.reason = verdict.reason;
    }
  } catch (err) {
    record.status = ctx.signal.aborted ? 'interrupted' : 'failed';
    record.reason = (err as Error).message;
    if (record.workers.length === 0) {
      record.workers = states.map((st) =>
        workerRecord(
          st,
          { code: null, reason: null, stderrTail: '' },
          t0 ?? Date.now(),
          provisionStart,
          ctx.workload.manifest,
        ),
      );
    }
  } finally {
    await Promise.all(samplers.map((s) => s.stop().catch(() => {})));
    if (t0 === null && pending.length) {
      t0 = Date.now(); // never released: keep the samples, times relative to the failure
      for (const row of pending.splice(0)) emitRow(row);
    }
    try {
      await withTimeout(env.teardown(envRunId), e.timeouts.teardownS * 1000, 'teardown');
    } catch (err) {
      record.reason = `${record.reason ? `${record.reason}; ` : ''}teardown: ${(err as Error).message}`;
      record.status = record.status === 'ok' ? 'failed' : record.status;
    }
  }
  if (samplerErrors.length && record.status === 'ok') record.reason = `sampler: ${samplerErrors.join('; ')}`;
  return record;
}

function workerRecord(
  st: WorkerState,
  exit: { code: number | null; reason: string | null; stderrTail: string },
  t0: number,
  provisionStart: number,
  manifest: WorkloadManifest,
): WorkerRecord {
  const a = st.handle.allocation;
  const r = st.result;
  const resultProblem = r ? (r.verified ? metricProblem(manifest, r.metrics) : 'result not verified') : null;
  return {
    worker: st.handle.name,
    ...(st.handle.host ? { host: st.handle.host } : {}),
    allocCpus: a.cpus,
    memoryBytes: a.memoryBytes,
    cpuset: a.cpuset,
    bootS: st.handle.bootS ?? null,
    limits: st.handle.limits ?? null,
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
