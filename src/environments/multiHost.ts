// One backend over several hosts: the same backend created on each remote host (its
// own engine), workers placed evenly as the paper did (worker i on host i mod H), each
// worker named once for the whole run and tagged with its host. A host's failure
// says which host; teardown and cleaning reach every host.
import dns from 'node:dns/promises';
import net from 'node:net';
import path from 'node:path';
import { HostError, type RemoteHost } from '../hosts/remote.js';
import type { Sampler } from '../sampling/types.js';
import { sha256 } from '../util/hash.js';
import { overlayCleanScript, overlayDownScript, overlayUpScript } from './overlay.js';
import type { SegmentPort } from './segment.js';
import type {
  ArmedWorkload,
  Environment,
  EnvironmentInfo,
  ProvisionRequest,
  SegmentSpan,
  WorkerHandle,
} from './types.js';

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

/** The Ethernet MTU of the hosts' own network less VXLAN's 50 bytes (outer IPv4, UDP, VXLAN headers). */
export const SPANNING_MTU = 1450;

/** A run's VXLAN network identifier: 24 bits of its id's hash, never 0. Pure. */
export function vniOf(runId: string): number {
  return (Number.parseInt(sha256(runId).slice(0, 6), 16) % 0xfffffe) + 1;
}

/**
 * Each host's part of a run's segment: the run-wide indices of its workers, and with more
 * than one host the overlay to every other host that has workers (by address). Pure.
 */
export function segmentSpans(runId: string, where: readonly number[], addresses: readonly string[]): SegmentSpan[] {
  const used = addresses.map((_, h) => where.includes(h));
  const many = used.filter(Boolean).length > 1;
  return addresses.map((local, h) => ({
    indices: where.flatMap((x, i) => (x === h ? [i] : [])),
    hostIndex: h,
    vxlan: many ? { vni: vniOf(runId), local, peers: addresses.filter((_, o) => o !== h && used[o]) } : null,
    mtu: many ? SPANNING_MTU : 1500,
  }));
}

/** A host's IPv4 address on the network the hosts share: its ssh.host, resolved here when a name. */
async function hostAddress(host: RemoteHost): Promise<string> {
  const h = host.config.ssh.host;
  if (net.isIPv4(h)) return h;
  try {
    return (await dns.lookup(h, { family: 4 })).address;
  } catch (err) {
    throw new HostError(
      host.name,
      `its address ${h} does not resolve to IPv4 for the run's overlay: ${(err as Error).message}`,
    );
  }
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
    ...(inner.address ? { address: () => inner.address!() } : {}),
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
  /** where this environment's roles placed on the host run: native on its first host, beside that host's bridge */
  private roleSide: Environment | null = null;
  /** runs whose segment spans the hosts: their overlay devices go at teardown */
  private readonly overlays = new Set<string>();

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

  /** The first host: where roles placed on the host run (docs/hosts.md). */
  get firstHost(): RemoteHost {
    return this.parts[0]!.host;
  }

  /** The backend for roles placed on the host, on the first host (set once, by the composition). */
  attachRoleSide(side: Environment): void {
    this.roleSide = side;
  }

  rolesOnHost(): Environment | null {
    return this.roleSide;
  }

  /** The run's segment where its roles on the host join it: the first host's bridge. */
  async segmentPort(runId: string): Promise<SegmentPort> {
    const first = this.parts[0]!;
    if (!first.env.segmentPort)
      throw new Error(`${this.name}: a role placed on the host cannot join its workers' network`);
    const port = await first.env.segmentPort(runId);
    return this.parts.length > 1 ? { ...port, mtu: SPANNING_MTU } : port;
  }

  async provision(req: ProvisionRequest): Promise<WorkerHandle[]> {
    const where = placeWeighted(
      req.count,
      this.parts.map((p) => p.host.config.weight),
    );
    const spans =
      req.network === 'bridge'
        ? segmentSpans(req.runId, where, await Promise.all(this.parts.map((p) => hostAddress(p.host))))
        : null;
    const handles = await this.each(async (p) => {
      const mine = where.flatMap((h, i) => (this.parts[h] === p ? [i] : []));
      if (mine.length === 0) return [];
      const span = spans?.[this.parts.indexOf(p)];
      const inner = await p.env.provision({
        ...req,
        ...(span ? { span } : {}),
        count: mine.length,
        allocation: (j) => req.allocation(mine[j]!),
        // each host names its workers from 0: their files go to a folder per host
        artifactsDir: path.join(req.artifactsDir, p.host.name),
      });
      if (span?.vxlan) await this.joinOverlay(p, req.runId, span);
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

  /** This host's part of the run's segment joined to the others': the overlay on the bridge its backend made. */
  private async joinOverlay(p: HostPart, runId: string, span: SegmentSpan): Promise<void> {
    if (!p.env.segmentPort) throw new Error(`${this.name}: its network does not span hosts`);
    const { bridge } = await p.env.segmentPort(runId);
    this.overlays.add(runId);
    await p.host.run(overlayUpScript(runId, bridge, span.vxlan!, span.mtu));
  }

  async teardown(runId: string): Promise<void> {
    const results = await Promise.allSettled(
      this.parts.map((p) =>
        onHost(
          p.host.name,
          p.env.teardown(runId).then(async () => {
            if (this.overlays.has(runId)) await p.host.run(overlayDownScript(runId));
          }),
        ),
      ),
    );
    this.overlays.delete(runId);
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

  async cleanExperiment(experimentId: string): Promise<string[]> {
    // the roles on the first host first: their endpoints sit on its bridge
    const side = (await this.roleSide?.cleanExperiment?.(experimentId).catch(() => [])) ?? [];
    const results = await Promise.allSettled(
      this.parts.map(async (p) => [
        ...(await p.env.cleanExperiment(experimentId)),
        // an overlay whose run's teardown could not reach its host
        ...(await p.host.run(overlayCleanScript([], experimentId))).split('\n').filter(Boolean),
      ]),
    );
    return [
      ...side.map((x) => `${x} on ${this.firstHost.name}`),
      ...results.flatMap((r, i) =>
        r.status === 'fulfilled' ? r.value.map((x) => `${x} on ${this.parts[i]!.host.name}`) : [],
      ),
    ];
  }

  async close(): Promise<void> {
    await this.roleSide?.close?.().catch(() => {});
    await Promise.allSettled(this.parts.map((p) => p.env.close?.()));
  }
}
