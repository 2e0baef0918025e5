// The boot sweep (Fig. 3 and Fig. 4 of the paper): per environment, instances started one
// after another, each kept up and idle at its barrier, until the largest point of the sweep,
// the first instance that does not come up, the memory floor or an interrupt; after each,
// how long it took and what the host's memory says. Then every instance torn down.
import fs from 'node:fs';
import path from 'node:path';
import type { Experiment } from '../config/schema.js';
import type { Environment, Invocation, WorkerHandle } from '../environments/types.js';
import type { BootInstanceRecord, BootRecord } from '../results/bootSweep.js';
import type { SampleRecord } from '../results/types.js';
import { type MemInfo, parseMeminfo } from '../sampling/procstat.js';
import type { Reading, Sampler } from '../sampling/types.js';
import { sleep } from '../util/sleep.js';
import { withTimeout } from '../util/timeout.js';
import { sampleRow } from './runSamples.js';

/**
 * What an instance runs: the barrier itself, never released. The runtime starts inside the
 * instance and says it is ready, then idles; ready here is ready to run a workload.
 */
const IDLE: Invocation = { entry: 'barrier.mjs', args: [] };
/** instances torn down together at the end */
const TEARDOWN_BATCH = 8;

export interface SweepContext {
  experiment: Experiment;
  experimentId: string;
  dir: string;
  signal: AbortSignal;
  log: (message: string) => void;
  write: (record: BootRecord) => void;
  onSamples: (rows: SampleRecord[]) => void;
  /** the host's memory now (this machine's /proc/meminfo; a test may count differently) */
  hostMemory?: () => MemInfo;
}

/** One instance up: its worker idling at the barrier, its samplers on. */
interface Instance {
  runId: string;
  handle: WorkerHandle | null;
  kill: (() => Promise<void>) | null;
  samplers: Sampler[];
  /** the latest reading of its host-side view (what the host pays) */
  hostView: { source: string; reading: Reading } | null;
}

export function readHostMemory(): MemInfo {
  return parseMeminfo(fs.readFileSync('/proc/meminfo', 'utf8'));
}

/** How far one environment's sweep got, and why it stopped before its target (null: it did not). */
export interface SweepEnd {
  reached: number;
  stopped: string | null;
}

/** The sweep of one environment; its records are written as they come. */
export async function sweepEnvironment(name: string, env: Environment, c: SweepContext): Promise<SweepEnd> {
  const target = Math.max(...c.experiment.sweep.instances);
  const memory = c.hostMemory ?? readHostMemory;
  const up: Instance[] = [];
  c.write({ type: 'baseline', env: name, hostMemUsedBytes: memory().usedBytes, at: new Date().toISOString() });
  const t0 = Date.now();
  // Fig. 3's time: the instances' start-to-ready times added up (the idle settle after each is ours, not theirs)
  let startingS = 0;
  let stopped: string | null = null;
  let reached = 0;
  try {
    for (let i = 1; i <= target && !stopped; i++) {
      if (c.signal.aborted) {
        stopped = `interrupted after instance ${i - 1}`;
        break;
      }
      const inst: Instance = {
        runId: `${c.experimentId}-boot-${name}-${i}`,
        handle: null,
        kill: null,
        samplers: [],
        hostView: null,
      };
      up.push(inst);
      const started = Date.now();
      const timing = await startInstance(name, env, i, inst, c, t0).catch((err: Error) => {
        stopped = c.signal.aborted
          ? `interrupted while instance ${i} started`
          : `instance ${i} did not come up: ${err.message}`;
        return null;
      });
      if (!timing) break;
      const readyS = (timing.readyAt - started) / 1000;
      startingS += readyS;
      const mem = await recordIdle(
        c,
        name,
        inst,
        { instance: i, provisionS: timing.provisionS, readyS, cumulativeS: startingS },
        memory,
      );
      progress(c, name, i, target, startingS, mem);
      reached = i;
      stopped = belowFloor(mem, c.experiment.sweep.memoryFloorMiB, i);
    }
  } finally {
    const t = Date.now();
    c.log(`${name}: tearing down ${up.length} instance(s)`);
    await tearDown(env, up);
    c.write({
      type: 'end',
      env: name,
      target,
      reached,
      stopped,
      teardownS: (Date.now() - t) / 1000,
      at: new Date().toISOString(),
    });
  }
  if (stopped) c.log(`${name}: stopped: ${stopped}`);
  return { reached, stopped };
}

/**
 * An instance up and idle: once its host view answered, the settle — versus's own idle window
 * with this many instances sampled, its CPU and RSS measured — then the host's memory, recorded.
 */
async function recordIdle(
  c: SweepContext,
  env: string,
  inst: Instance,
  at: Pick<BootInstanceRecord, 'instance' | 'provisionS' | 'readyS' | 'cumulativeS'>,
  memory: () => MemInfo,
): Promise<MemInfo> {
  await firstHostView(inst, 2 * c.experiment.sweep.intervalMs + 1000, c.signal);
  const cpu0 = process.cpuUsage();
  const w0 = Date.now();
  await sleep(c.experiment.sweep.settleMs, c.signal);
  const cpu = process.cpuUsage(cpu0);
  const harness = {
    cpuS: (cpu.user + cpu.system) / 1e6,
    windowS: (Date.now() - w0) / 1000,
    rssBytes: process.memoryUsage.rss(),
  };
  const mem = memory();
  c.write({
    type: 'instance',
    env,
    ...at,
    hostMemUsedBytes: mem.usedBytes,
    hostMemAvailableBytes: mem.availableBytes,
    instanceMemBytes: ownMemory(inst.hostView?.reading),
    instanceMemSource: inst.hostView?.source ?? null,
    harness,
    at: new Date().toISOString(),
  });
  return mem;
}

/** Provisioned, armed (ready line seen), samplers on. */
async function startInstance(name: string, env: Environment, i: number, inst: Instance, c: SweepContext, t0: number) {
  const e = c.experiment;
  const started = Date.now();
  const limitMs = e.timeouts.provisionS * 1000;
  const [handle] = await withTimeout(
    env.provision({
      runId: inst.runId,
      count: 1,
      allocation: () => ({ cpus: e.worker.cpus, memoryBytes: e.worker.memoryMiB * 2 ** 20, cpuset: null }),
      signal: c.signal,
      artifactsDir: path.join(c.dir, 'artifacts', `boot-${name}-${i}`),
      network: 'none',
    }),
    limitMs,
    () => new Error(`not provisioned within ${e.timeouts.provisionS} s (timeouts.provisionS)`),
  );
  if (!handle) throw new Error('the backend provisioned no worker');
  inst.handle = handle;
  const provisionS = (Date.now() - started) / 1000;
  const armed = await withTimeout(
    handle.arm(IDLE, () => {}),
    limitMs,
    () => new Error(`no ready line within ${e.timeouts.provisionS} s (timeouts.provisionS)`),
  );
  const readyAt = Date.now();
  inst.kill = () => armed.kill();
  const id = { run: inst.runId, workload: 'boot-sweep', env: name, instances: i, repetition: 1 };
  for (const s of handle.samplers(e.sweep.intervalMs, e.sweep.intervalMs)) {
    const worker = `${name}-${i}`;
    await s.start(
      (r) => {
        if (s.source !== 'guest') inst.hostView = { source: s.source, reading: r };
        c.onSamples([{ ...sampleRow(id, { worker, source: s.source }, r), t: (r.at - t0) / 1000 }]);
      },
      () => {},
    );
    inst.samplers.push(s);
  }
  return { provisionS, readyAt };
}

/** Until the instance's host-side view has answered once (what it costs the host is read from it), or ms. */
async function firstHostView(inst: Instance, ms: number, signal: AbortSignal): Promise<void> {
  const until = Date.now() + ms;
  while (!inst.hostView && Date.now() < until && !signal.aborted) await sleep(50);
}

/** What the host pays for one instance by its host-side view: PSS where seen, else what the view charges. Pure. */
export function ownMemory(r: Reading | undefined): number | null {
  return r ? (r.memPssBytes ?? r.memUsedBytes ?? null) : null;
}

/** Why the sweep stops after instance i, or null. Pure. */
export function belowFloor(mem: MemInfo, floorMiB: number, i: number): string | null {
  if (mem.availableBytes >= floorMiB * 2 ** 20) return null;
  const mib = Math.round(mem.availableBytes / 2 ** 20);
  return `the host's MemAvailable (${mib} MiB) fell below the memory floor (${floorMiB} MiB, sweep.memoryFloorMiB) after instance ${i}`;
}

/** A line at each point of the sweep and every 10% of the way. */
function progress(c: SweepContext, name: string, i: number, target: number, startingS: number, mem: MemInfo): void {
  const step = Math.max(1, Math.round(target / 10));
  if (!c.experiment.sweep.instances.includes(i) && i % step !== 0) return;
  const gib = (mem.usedBytes / 2 ** 30).toFixed(2);
  c.log(`${name}: ${i}/${target} ready after ${startingS.toFixed(1)} s of starting; host memory used ${gib} GiB`);
}

/** Every instance stopped and its run torn down, a few at a time; failures are the environment's cleanExperiment's to finish. */
async function tearDown(env: Environment, up: readonly Instance[]): Promise<void> {
  for (let k = 0; k < up.length; k += TEARDOWN_BATCH) {
    await Promise.all(
      up.slice(k, k + TEARDOWN_BATCH).map(async (inst) => {
        for (const s of inst.samplers) await s.stop().catch(() => {});
        await inst.kill?.().catch(() => {});
        await env.teardown(inst.runId).catch(() => {});
      }),
    );
  }
}
