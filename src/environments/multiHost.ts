// One backend over several hosts: the same backend created on each remote host (its
// own engine), workers placed evenly as the paper did (worker i on host i mod H), each
// worker named once for the whole run and tagged with its host. A host's failure
// says which host; teardown and cleaning reach every host.
import path from 'node:path';
import { HostError, type RemoteHost } from '../hosts/remote.js';
import type { Sampler } from '../sampling/types.js';
import type { ArmedWorkload, Environment, EnvironmentInfo, ProvisionRequest, WorkerHandle } from './types.js';

export interface HostPart {
  host: RemoteHost;
  env: Environment;
}

/** Which host each of `count` workers goes to: round robin, so counts differ by one at most. */
export function placeEvenly(count: number, hosts: number): number[] {
  return Array.from({ length: count }, (_, i) => i % hosts);
}

/**
 * Which host each worker goes to when hosts have weights: smooth weighted round robin
 * (nginx's), so every prefix of the workers is spread in proportion to the weights and
 * equal weights are exactly placeEvenly. Pure.
 */
export function placeWeighted(count: number, weights: readonly number[]): number[] {
  if (weights.every((w) => w === weights[0])) return placeEvenly(count, weights.length);
  const total = weights.reduce((a, b) => a + b, 0);
  const current = weights.map(() => 0);
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    let best = 0;
    for (let h = 0; h < weights.length; h++) {
      current[h]! += weights[h]!;
      if (current[h]! > current[best]!) best = h;
    }
    current[best]! -= total;
    out.push(best);
  }
  return out;
}

function onHost<T>(host: string, p: Promise<T>): Promise<T> {
  return p.catch((err: Error) => {
    throw err instanceof HostError ? err : new HostError(host, err.message);
  });
}

/** A sampler under another worker name (the run-wide one), its errors naming the host. */
function renamed(s: Sampler, worker: string, host: string): Sampler {
  const named = (err: Error) => (err instanceof HostError ? err : new HostError(host, err.message));
  return {
    worker,
    source: s.source,
    formula: s.formula,
    start: (r, e) =>
      onHost(
        host,
        s.start(r, (err) => e(named(err))),
      ),
    stop: () => s.stop(),
  };
}

function globalHandle(inner: WorkerHandle, name: string, host: string): WorkerHandle {
  return {
    name,
    host,
    allocation: inner.allocation,
    limits: inner.limits ?? null,
    bootS: inner.bootS ?? null,
    async arm(invocation, onLine): Promise<ArmedWorkload> {
      // connect, handshake, exec: whatever fails, the error names the worker and its host
      const a = await inner.arm(invocation, onLine).catch((err: Error) => {
        const message = err instanceof HostError ? err.message.replace(`host ${host}: `, '') : err.message;
        throw new Error(`${name}: host ${host}: ${message}`);
      });
      return {
        worker: name,
        release: () => a.release(),
        stop: () => a.stop(),
        kill: () => a.kill(),
        exit: a.exit.then(
          (x) => (x.reason ? { ...x, reason: `host ${host}: ${x.reason}` } : x),
          // a stream that broke instead of ending: still this worker's end, naming the host
          (err: Error) => ({ code: null, reason: `host ${host}: ${err.message}`, stderrTail: '' }),
        ),
      };
    },
    samplers: (intervalMs, memoryIntervalMs) =>
      inner.samplers(intervalMs, memoryIntervalMs).map((s) => renamed(s, name, host)),
  };
}

/** One run's facts over hosts: those all hosts share, and each host's when any differs. Pure. */
export function mergeHostFacts(perHost: Record<string, Record<string, unknown>>): Record<string, unknown> {
  const all = Object.values(perHost);
  const keys = new Set(all.flatMap((f) => Object.keys(f)));
  const shared: Record<string, unknown> = {};
  let differ = false;
  for (const k of keys) {
    const values = new Set(all.map((f) => JSON.stringify(f[k] ?? null)));
    if (values.size === 1) shared[k] = all[0]![k] ?? null;
    else differ = true;
  }
  return differ ? { ...shared, hosts: perHost } : shared;
}

export class MultiHostEnvironment implements Environment {
  private described: Record<string, EnvironmentInfo> = {};

  constructor(
    readonly name: string,
    private readonly parts: readonly HostPart[],
  ) {}

  private each<T>(fn: (p: HostPart) => Promise<T>): Promise<T[]> {
    return Promise.all(this.parts.map((p) => onHost(p.host.name, fn(p))));
  }

  async prepare(): Promise<void> {
    await this.each((p) => p.env.prepare());
  }

  async describe(): Promise<EnvironmentInfo> {
    const infos = await this.each(async (p) => [p.host.name, await p.env.describe()] as const);
    this.described = Object.fromEntries(infos);
    const weights = this.parts.map((p) => p.host.config.weight);
    const placement = weights.every((w) => w === weights[0])
      ? 'even (worker i on host i mod hosts)'
      : `weighted ${this.parts.map((p) => `${p.host.name}:${p.host.config.weight}`).join(' ')} (smooth weighted round robin)`;
    return { placement, hosts: this.described };
  }

  runFacts(): Record<string, unknown> {
    if (!this.parts.some((p) => p.env.runFacts)) return {};
    return mergeHostFacts(Object.fromEntries(this.parts.map((p) => [p.host.name, p.env.runFacts?.() ?? {}])));
  }

  /** Facts that changed on any host (an accelerator fallback), merged into that host's entry. */
  infoUpdates(): EnvironmentInfo {
    const changed = this.parts.map((p) => [p.host.name, p.env.infoUpdates?.() ?? {}] as const);
    if (changed.every(([, u]) => Object.keys(u).length === 0)) return {};
    return { hosts: Object.fromEntries(changed.map(([h, u]) => [h, { ...this.described[h], ...u }])) };
  }

  async provision(req: ProvisionRequest): Promise<WorkerHandle[]> {
    const where = placeWeighted(
      req.count,
      this.parts.map((p) => p.host.config.weight),
    );
    const handles = await this.each(async (p) => {
      const mine = where.flatMap((h, i) => (this.parts[h] === p ? [i] : []));
      if (mine.length === 0) return [];
      const inner = await p.env.provision({
        ...req,
        count: mine.length,
        allocation: (j) => req.allocation(mine[j]!),
        // each host names its workers from 0: their files go to a folder per host
        artifactsDir: path.join(req.artifactsDir, p.host.name),
      });
      return inner.map((h, j) => ({
        index: mine[j]!,
        handle: globalHandle(h, `${this.name}-${mine[j]}`, p.host.name),
      }));
    });
    return handles
      .flat()
      .sort((a, b) => a.index - b.index)
      .map((x) => x.handle);
  }

  async teardown(runId: string): Promise<void> {
    const results = await Promise.allSettled(this.parts.map((p) => onHost(p.host.name, p.env.teardown(runId))));
    const failed = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
    if (failed.length) throw new Error(failed.join('; '));
  }

  async diagnose(): Promise<string | null> {
    const said = await Promise.all(
      this.parts.map(async (p) => {
        const why = await p.env.diagnose?.().catch((err: Error) => err.message);
        return why ? `host ${p.host.name}: ${why}` : null;
      }),
    );
    return said.filter(Boolean).join('; ') || null;
  }

  hostSamplers(intervalMs: number): Sampler[] {
    return this.parts.map((p) => p.host.sampler(intervalMs));
  }

  async cleanAll(): Promise<string[]> {
    const results = await Promise.allSettled(this.parts.map((p) => p.env.cleanAll()));
    return results.flatMap((r, i) =>
      r.status === 'fulfilled' ? r.value.map((x) => `${x} on ${this.parts[i]!.host.name}`) : [],
    );
  }

  async cleanExperiment(experimentId: string): Promise<string[]> {
    const results = await Promise.allSettled(this.parts.map((p) => p.env.cleanExperiment?.(experimentId) ?? []));
    return results.flatMap((r, i) =>
      r.status === 'fulfilled' ? r.value.map((x) => `${x} on ${this.parts[i]!.host.name}`) : [],
    );
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.parts.map((p) => p.env.close?.()));
  }
}
