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
import { armStages, peerRoles, type RoleSlot } from '../workload/roles.js';
import { cpusetFor, type PlannedRun, runName } from './plan.js';
import { clientCount, hostSideOf, provisionOnHost, roleInvocation, serverPorts, slotsOf } from './roles.js';
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
  /** where roles placed on the host run (native processes on the run's segment) */
  hostSide?: Environment | null;
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
  /** each worker's role, or null for a workload without roles */
  slots: RoleSlot[] | null;
  /** when the servers were told to stop: a server that ended before had died mid-run */
  stopAt: number | null;
  provisionStart: number;
  /** workers of roles placed on the host were provisioned (the host side tears them down first) */
  onHost: boolean;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return timeout(p, ms, () => new Error(`${what} timed out after ${Math.round(ms / 1000)} s`));
}

/** A run's record before anything happened: failed until verified. */
function newRecord(ctx: RunContext, plan: PlannedRun): RunRecord {
  return {
    network: ctx.workload.network,
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
    slots: null,
    stopAt: null,
    provisionStart: Date.now(),
    onHost: false,
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
  st.slots = slotsOf(ctx.workload, plan.instances);
  const request = {
    runId: st.envRunId,
    allocation,
    signal: ctx.signal,
    artifactsDir: path.join(ctx.artifactsDir, record.run),
    network: ctx.workload.network,
  };
  const provisioned = async () => {
    const handles = await env.provision({ ...request, count: plan.instances });
    const onHost = st.slots?.filter((x) => x.host).length ?? 0;
    if (onHost === 0) return handles;
    st.onHost = true;
    return [...handles, ...(await provisionOnHost(ctx.workload, env, ctx.hostSide, request, plan.instances, onHost))];
  };
  const handles = await withTimeout(provisioned(), e.timeouts.provisionS * 1000, 'provisioning');
  st.workers.push(...handles.map((h) => new WorkerState(h)));
  await armWorkers(st);
  record.provisionS = (Date.now() - st.provisionStart) / 1000;
  if (ctx.signal.aborted) throw new Error('interrupted');
  // every worker's samplers at once: a sampler may wait for its first reading (the engine's
  // stats, about a second), and 128 workers one after another held the barrier for minutes
  const samplers = (e.sampling.workers ? st.workers : []).map((w) =>
    w.handle.samplers(e.sampling.intervalMs, e.sampling.memoryIntervalMs),
  );
  // by convention a worker's first sampler is its own view (guest, cgroup, process)
  const first = samplers.find((own) => own[0])?.[0];
  if (first && !record.workerSource) record.workerSource = first.source;
  await Promise.all(
    samplers.map(async (own) => {
      for (const s of own) await st.samples.start(s);
    }),
  );
  await sleep(e.sampling.settleMs, ctx.signal);
  if (ctx.signal.aborted) throw new Error('interrupted');
}

/** Every worker armed: at once, or with roles the servers first (each ready, i.e. accepting), then the rest told their servers. */
async function armWorkers(st: RunState): Promise<void> {
  const { ctx } = st;
  const limitS = ctx.experiment.timeouts.provisionS;
  const base = invocationOf(ctx);
  const arm = (i: number, invocation: Invocation, what: string) => {
    const w = st.workers[i]!;
    return withTimeout(
      w.handle.arm(invocation, (line) => onWorkerLine(st, w, line)),
      limitS * 1000,
      `${w.handle.name}${what}: waiting for its ready line`,
    ).then((a) => {
      st.armed[i] = a;
      void a.exit.then(() => {
        w.exitedAt ??= Date.now();
      });
    });
  };
  const slots = st.slots;
  if (!slots) {
    await Promise.all(st.workers.map((_, i) => arm(i, base, '')));
    return;
  }
  const network = ctx.workload.network;
  const roles = ctx.workload.manifest.roles!;
  const ports = await serverPorts(ctx.workload, slots, network);
  const clients = clientCount(slots);
  const endpoint = (i: number) => `${st.workers[i]!.handle.address?.() ?? '127.0.0.1'}:${ports.get(i)}`;
  const role = (i: number) => ` (role ${slots[i]!.role}${ports.has(i) ? `, listening on port ${ports.get(i)}` : ''})`;
  // stage by stage: a scheduler before its workers, servers before their clients
  for (const stage of armStages(roles) ?? []) {
    const workers = slots.flatMap((slot, i) => (stage.includes(slot.role) ? [i] : []));
    await Promise.all(
      workers.map((i) => {
        const want = peerRoles(roles, slots[i]!.role);
        const peers = slots.flatMap((s, j) => (want.includes(s.role) ? [endpoint(j)] : []));
        const extra = { port: ports.get(i), peers, clients, network };
        return arm(i, roleInvocation(base, ctx.workload, slots[i]!, extra), role(i));
      }),
    );
  }
  st.record.peers = [...ports.keys()].map(endpoint);
}

function invocationOf(ctx: RunContext): Invocation {
  const e = ctx.experiment;
  // the allocation as the workload's own limits: threads always, memory where it declares one (a cluster worker's)
  const own: Record<string, number> = { threads: Math.max(1, Math.ceil(e.worker.cpus)) };
  if (ctx.workload.manifest.parameters['memory-mib']) own['memory-mib'] = e.worker.memoryMiB;
  const args = workloadArgs(ctx.workload, own);
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
  // the run ends when the workers that do not serve end; servers are stopped after them
  const enders = st.workers.flatMap((_, i) => (st.slots?.[i]?.serve ? [] : [i]));
  // The deadline is cancelled once the workers end, so no timer or abort listener outlives the run.
  const deadline = new AbortController();
  const ended = await Promise.race([
    Promise.all(enders.map((i) => st.armed[i]!.exit)).then(() => true),
    serverLost(st).then(() => endersOrGrace(st, enders)),
    sleep(e.timeouts.runS * 1000, AbortSignal.any([ctx.signal, deadline.signal])).then(() => false),
  ]).finally(() => deadline.abort());
  if (ended) {
    st.record.makespanS = (Math.max(...enders.map((i) => st.workers[i]!.endAt ?? Date.now())) - t0) / 1000;
    await stopServers(st);
    return Promise.all(st.armed.map((a) => a.exit));
  }
  if (ctx.signal.aborted) {
    await Promise.all(st.armed.map((a) => a.kill()));
    throw new Error('interrupted');
  }
  const why = (await env.diagnose?.()) ?? null;
  await Promise.all(st.armed.map((a) => a.kill()));
  throw new Error(`run timed out after ${e.timeouts.runS} s${why ? `: ${why}` : ''}`);
}

/** Settles when a serving worker ends by itself (it should serve until stopped); never without servers. */
function serverLost(st: RunState): Promise<void> {
  const servers = st.armed.filter((_, i) => st.slots?.[i]?.serve);
  return servers.length ? Promise.race(servers.map((a) => a.exit.then(() => {}))) : new Promise(() => {});
}

/** A server died: its clients get a few seconds to notice and end; then they are stopped. */
async function endersOrGrace(st: RunState, enders: readonly number[]): Promise<boolean> {
  const all = Promise.all(enders.map((i) => st.armed[i]!.exit));
  const grace = new AbortController();
  const done = await Promise.race([all.then(() => true), sleep(SERVER_LOST_GRACE_MS, grace.signal).then(() => false)]);
  grace.abort();
  if (!done) await Promise.all(enders.map((i) => st.armed[i]!.kill()));
  return true;
}

const SERVER_LOST_GRACE_MS = 10_000;
const SERVER_STOP_MS = 30_000;

/** Each server still serving is told to stop and report; one that does not end in time is killed. */
async function stopServers(st: RunState): Promise<void> {
  const servers = st.armed.filter((_, i) => st.slots?.[i]?.serve);
  if (!servers.length) return;
  // every client has ended, so all traffic is done: one more sample of each server's
  // counters sees all of it (a client's own last interval ends with its process)
  await sleep(st.ctx.experiment.sampling.intervalMs * 1.5, st.ctx.signal);
  st.stopAt = Date.now();
  await Promise.all(
    servers.map(async (a) => {
      a.stop();
      const stopped = new AbortController();
      const done = await Promise.race([
        a.exit.then(() => true),
        sleep(SERVER_STOP_MS, stopped.signal).then(() => false),
      ]);
      stopped.abort();
      if (!done) await a.kill();
    }),
  );
}

/** Every worker's record, and the run's verdict: ok with its checksum, or failed with why. */
function verify(st: RunState, exits: readonly WorkerExit[]): void {
  const { ctx, record } = st;
  const t0 = st.samples.barrier!;
  record.workers = st.workers.map((w, i) =>
    workerRecord(w, exits[i]!, t0, st.provisionStart, ctx.workload.manifest, st.slots?.[i]),
  );
  const lost = lostServer(st, record.workers);
  if (lost) {
    record.reason = lost;
    return;
  }
  const key = ctx.workload.workKey;
  const roles = ctx.workload.manifest.roles;
  const reporting = roles ? record.workers.filter((w) => w.role && roles[w.role]?.reports) : record.workers;
  const verdict = verifyRun(record.workers, ctx.references.get(key), ctx.workload.manifest.verification, reporting);
  if (!verdict.ok) {
    record.reason = verdict.reason;
    return;
  }
  record.status = 'ok';
  record.checksum = verdict.checksum;
  if (!ctx.references.has(key)) ctx.references.set(key, verdict.checksum);
}

/** A server that ended before it was told to stop, and the clients that failed with it; null if none. */
function lostServer(st: RunState, workers: RunRecord['workers']): string | null {
  const i = st.workers.findIndex(
    (w, j) => st.slots?.[j]?.serve && w.exitedAt !== null && (st.stopAt === null || w.exitedAt < st.stopAt),
  );
  if (i < 0) return null;
  const server = workers[i]!;
  const why = `${server.reason ?? `exit code ${server.exitCode}`}${server.stderrTail ? ` — ${server.stderrTail}` : ''}`;
  const clients = workers.filter((w, j) => !st.slots?.[j]?.serve && (w.reason || w.exitCode !== 0));
  const lostBy = clients.map((c) => `${c.worker} (role ${c.role}): ${c.reason ?? `exit code ${c.exitCode}`}`);
  return `${server.worker} (role ${server.role}) ended while its clients ran: ${why}${lostBy.length ? `; its clients lost it: ${lostBy.join('; ')}` : ''}`;
}

function recordFailure(st: RunState, err: Error): void {
  const { ctx, record } = st;
  record.status = ctx.signal.aborted ? 'interrupted' : 'failed';
  record.reason = err.message;
  if (record.workers.length > 0) return;
  const noExit = { code: null, reason: null, stderrTail: '' };
  const t0 = st.samples.barrier ?? Date.now();
  record.workers = st.workers.map((w, i) =>
    workerRecord(w, noExit, t0, st.provisionStart, ctx.workload.manifest, st.slots?.[i]),
  );
}

/** Always, on every path; a failed teardown fails the run and says so. */
async function tearDown(st: RunState): Promise<void> {
  const { record } = st;
  const limitMs = st.ctx.experiment.timeouts.teardownS * 1000;
  try {
    // the host side first: its endpoints sit on the environment's segment
    const side = hostSideOf(st.env, st.ctx.hostSide);
    if (st.onHost && side) await withTimeout(side.teardown(st.envRunId), limitMs, 'teardown of the roles on the host');
    await withTimeout(st.env.teardown(st.envRunId), limitMs, 'teardown');
  } catch (err) {
    record.reason = `${record.reason ? `${record.reason}; ` : ''}teardown: ${(err as Error).message}`;
    record.status = record.status === 'ok' ? 'failed' : record.status;
  }
}
