// One cell of the matrix, one repetition: provision, arm, sample, release, verify, tear down.
import path from 'node:path';
import type { Experiment } from '../config/schema.js';
import type { Allocation, ArmedWorkload, Environment, Invocation, WorkerExit } from '../environments/types.js';
import type { PhaseMark, RunRecord, SampleRecord } from '../results/types.js';
import { HostSampler } from '../sampling/hostSampler.js';
import { sleep } from '../util/sleep.js';
import { withTimeout as timeout } from '../util/timeout.js';
import { type ResolvedWorkload, workloadArgs } from '../workload/manifest.js';
import { parseWorkloadLine } from '../workload/protocol.js';
import { cpusetFor, type PlannedRun, runName } from './plan.js';
import { RunSamples } from './runSamples.js';
import { verifyRun } from './verify.js';
import { WorkerState, workerRecord } from './workerRecord.js';

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
  /** the formula of every sampler that ran, by "host" or "<env> <source>" (experiment.json `formulas`) */
  formulas?: Map<string, string>;
}

/** What one run holds while it goes: its record, its workers and their samples. */
interface RunState {
  ctx: RunContext;
  env: Environment;
  plan: PlannedRun;
  envRunId: string;
  record: RunRecord;
  samples: RunSamples;
  workers: WorkerState[];
  armed: ArmedWorkload[];
  provisionStart: number;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return timeout(p, ms, () => new Error(`${what} timed out after ${Math.round(ms / 1000)} s`));
}

/** A run's record before anything happened: failed until verified. */
function newRecord(ctx: RunContext, plan: PlannedRun): RunRecord {
  return {
    run: runName(plan),
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
}

/** One cell of the matrix, one repetition: provision, arm, sample, release, verify, tear down. */
export async function executeRun(ctx: RunContext, env: Environment, plan: PlannedRun): Promise<RunRecord> {
  const record = newRecord(ctx, plan);
  const id = {
    run: record.run,
    workload: ctx.workload.id,
    env: plan.env,
    instances: plan.instances,
    repetition: plan.repetition,
  };
  const st: RunState = {
    ctx,
    env,
    plan,
    envRunId: `${ctx.experimentId}-${record.run}`,
    record,
    samples: new RunSamples(id, ctx.onSamples, ctx.formulas),
    workers: [],
    armed: [],
    provisionStart: Date.now(),
  };
  try {
    await provisionAndArm(st);
    const exits = await releaseAndWait(st);
    await sleep(ctx.experiment.sampling.settleMs, ctx.signal);
    verify(st, exits);
  } catch (err) {
    recordFailure(st, err as Error);
  } finally {
    await st.samples.stop();
    await tearDown(st);
  }
  const errors = st.samples.errors;
  if (errors.length && record.status === 'ok') record.reason = `sampler: ${errors.join('; ')}`;
  return record;
}

/** The host view on, the workers provisioned and armed (each printed ready), their samplers on, settled. */
async function provisionAndArm(st: RunState): Promise<void> {
  const { ctx, env, plan, record } = st;
  const e = ctx.experiment;
  // the host view: this machine's, or each remote host's when the workers run there
  if (e.sampling.host)
    for (const s of env.hostSamplers?.(e.sampling.intervalMs) ?? [new HostSampler(e.sampling.intervalMs)])
      await st.samples.start(s);
  ctx.onProgress(`${record.run}: provisioning ${plan.instances} worker(s)`);
  const facts = env.runFacts?.();
  if (facts && Object.keys(facts).length) record.envFacts = facts;
  const allocation = (i: number): Allocation => ({
    cpus: e.worker.cpus,
    memoryBytes: e.worker.memoryMiB * 2 ** 20,
    cpuset: e.worker.pinCpus ? cpusetFor(i, e.worker.cpus, ctx.hostCpus) : null,
  });
  const handles = await withTimeout(
    env.provision({
      runId: st.envRunId,
      count: plan.instances,
      allocation,
      signal: ctx.signal,
      artifactsDir: path.join(ctx.artifactsDir, record.run),
    }),
    e.timeouts.provisionS * 1000,
    'provisioning',
  );
  st.workers.push(...handles.map((h) => new WorkerState(h)));
  const armedAll = await withTimeout(
    Promise.all(st.workers.map((w) => w.handle.arm(invocationOf(ctx), (line) => onWorkerLine(st, w, line)))),
    e.timeouts.provisionS * 1000,
    'starting the workers',
  );
  st.armed.push(...armedAll);
  record.provisionS = (Date.now() - st.provisionStart) / 1000;
  if (ctx.signal.aborted) throw new Error('interrupted');
  for (const w of st.workers) {
    // by convention a worker's first sampler is its own view (guest, cgroup, process)
    const own = w.handle.samplers(e.sampling.intervalMs, e.sampling.memoryIntervalMs);
    if (own[0] && !record.workerSource) record.workerSource = own[0].source;
    for (const s of own) await st.samples.start(s);
  }
  await sleep(e.sampling.settleMs, ctx.signal);
  if (ctx.signal.aborted) throw new Error('interrupted');
}

function invocationOf(ctx: RunContext): Invocation {
  const args = workloadArgs(ctx.workload, { threads: Math.max(1, Math.ceil(ctx.experiment.worker.cpus)) });
  return { entry: `${ctx.workload.manifest.name}/${ctx.workload.manifest.entry}`, args };
}

/** A line a worker printed: its ready line, a phase mark (after the barrier) or its result. */
function onWorkerLine(st: RunState, w: WorkerState, line: string): void {
  const ev = parseWorkloadLine(line);
  if (!ev) return;
  const now = Date.now();
  const t0 = st.samples.barrier;
  if (ev.type === 'ready') {
    w.readyAt = now;
    w.node = ev.node;
  } else if (ev.type === 'phase' && t0 !== null) {
    const mark: PhaseMark = { worker: w.handle.name, phase: ev.phase, state: ev.state, t: (now - t0) / 1000 };
    if (ev.ms !== undefined) mark.ms = ev.ms;
    st.record.phases.push(mark);
  } else if (ev.type === 'result') {
    w.result = ev.result;
    w.endAt = now;
  }
}

/** The barrier: every worker released at t = 0; then every exit, or the run's deadline. */
async function releaseAndWait(st: RunState): Promise<WorkerExit[]> {
  const { ctx, env, record } = st;
  const e = ctx.experiment;
  ctx.onProgress(`${record.run}: running`);
  const t0 = Date.now();
  record.barrierAt = new Date(t0).toISOString();
  for (const a of st.armed) a.release();
  st.samples.release(t0);
  // The deadline is cancelled once the workers end, so no timer or abort listener outlives the run.
  const deadline = new AbortController();
  const exits = await Promise.race([
    Promise.all(st.armed.map((a) => a.exit)),
    sleep(e.timeouts.runS * 1000, AbortSignal.any([ctx.signal, deadline.signal])).then(() => null),
  ]).finally(() => deadline.abort());
  if (exits !== null) {
    st.record.makespanS = (Math.max(...st.workers.map((w) => w.endAt ?? Date.now())) - t0) / 1000;
    return exits;
  }
  if (ctx.signal.aborted) {
    await Promise.all(st.armed.map((a) => a.kill()));
    throw new Error('interrupted');
  }
  const why = (await env.diagnose?.()) ?? null;
  await Promise.all(st.armed.map((a) => a.kill()));
  throw new Error(`run timed out after ${e.timeouts.runS} s${why ? `: ${why}` : ''}`);
}

/** Every worker's record, and the run's verdict: ok with its checksum, or failed with why. */
function verify(st: RunState, exits: readonly WorkerExit[]): void {
  const { ctx, record } = st;
  const t0 = st.samples.barrier!;
  record.workers = st.workers.map((w, i) => workerRecord(w, exits[i]!, t0, st.provisionStart, ctx.workload.manifest));
  const key = ctx.workload.workKey;
  const verdict = verifyRun(record.workers, ctx.references.get(key), ctx.workload.manifest.verification);
  if (!verdict.ok) {
    record.reason = verdict.reason;
    return;
  }
  record.status = 'ok';
  record.checksum = verdict.checksum;
  if (!ctx.references.has(key)) ctx.references.set(key, verdict.checksum);
}

function recordFailure(st: RunState, err: Error): void {
  const { ctx, record } = st;
  record.status = ctx.signal.aborted ? 'interrupted' : 'failed';
  record.reason = err.message;
  if (record.workers.length > 0) return;
  const noExit = { code: null, reason: null, stderrTail: '' };
  const t0 = st.samples.barrier ?? Date.now();
  record.workers = st.workers.map((w) => workerRecord(w, noExit, t0, st.provisionStart, ctx.workload.manifest));
}

/** Always, on every path; a failed teardown fails the run and says so. */
async function tearDown(st: RunState): Promise<void> {
  const { record } = st;
  try {
    await withTimeout(st.env.teardown(st.envRunId), st.ctx.experiment.timeouts.teardownS * 1000, 'teardown');
  } catch (err) {
    record.reason = `${record.reason ? `${record.reason}; ` : ''}teardown: ${(err as Error).message}`;
    record.status = record.status === 'ok' ? 'failed' : record.status;
  }
}
