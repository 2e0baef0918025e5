import type Docker from 'dockerode';
import { LineSplitter } from '../util/lines.js';
import { type DockerStatsFrame, dockerCpu, dockerMemory, dockerNetTotals } from './dockerStats.js';
import { type NetTotals, netDelta } from './netdev.js';
import type { Reading, Sampler } from './types.js';

/** A polled sampler asks for a frame no more often than this: dockerd spends about 1 ms on each (docs/sampling.md). */
export const STATS_POLL_MIN_MS = 250;

/**
 * The Docker stats API of one container, as CPU % of the worker's --cpus and memory: either
 * polled (`pollMs`: a one-shot frame per poll, Engine API 1.41+, so a short run still has
 * frames) or the engine's own stream (`pollMs` null: about a frame a second; remote engines
 * and Podman). Deltas are taken between consecutive frames either way (StatsFrames).
 */
export class DockerStatsSampler implements Sampler {
  readonly source = 'docker-stats' as const;
  readonly formula: string;
  private stream: NodeJS.ReadableStream | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    readonly worker: string,
    private readonly container: Docker.Container,
    private readonly allocCpus: number,
    private readonly countNetwork = false,
    private readonly pollMs: number | null = null,
  ) {
    const how = pollMs === null ? 'the stream (about a frame a second)' : `a one-shot frame every ${pollMs} ms`;
    this.formula = `${countNetwork ? "network: the frames' networks (rx/tx bytes and packets of every interface) between frames; " : ''}Docker stats API, ${how}: cores = cpuDelta/systemDelta*onlineCPUs between consecutive frames; % of --cpus ${allocCpus}; user/system split by usage_in_usermode/kernelmode; memory = usage - inactive_file`;
  }

  async start(onReading: (r: Reading) => void, onError: (err: Error) => void): Promise<void> {
    const frames = new StatsFrames(this.allocCpus, this.countNetwork);
    const take = (frame: DockerStatsFrame) => {
      const reading = frames.next(frame, Date.now());
      if (reading) onReading(reading);
    };
    if (this.pollMs !== null) return this.poll(this.pollMs, take, onError);
    const stream = (await this.container.stats({ stream: true })) as unknown as NodeJS.ReadableStream;
    this.stream = stream;
    const splitter = new LineSplitter((line) => {
      if (!line.trim()) return;
      let frame: DockerStatsFrame;
      try {
        frame = JSON.parse(line);
      } catch {
        onError(new Error(`${this.worker}: garbled Docker stats frame`));
        return;
      }
      take(frame);
    });
    stream.on('data', (chunk: Buffer) => splitter.push(chunk));
    stream.on('error', (err: Error) => {
      if (!this.stopped) onError(err);
    });
  }

  /** One frame now (the first delta's base), then one every pollMs until stopped; an error is said once. */
  private async poll(pollMs: number, take: (f: DockerStatsFrame) => void, onError: (err: Error) => void) {
    let failed = false;
    const once = async () => {
      try {
        const frame = (await this.container.stats({ stream: false, 'one-shot': true } as {
          stream: false;
        })) as unknown as DockerStatsFrame;
        if (!this.stopped) take(frame);
      } catch (err) {
        if (!this.stopped && !failed) onError(err as Error);
        failed = true;
      }
    };
    await once();
    const next = () => {
      if (this.stopped) return;
      this.timer = setTimeout(() => void once().then(next), pollMs);
    };
    next();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const s = this.stream as (NodeJS.ReadableStream & { destroy?: () => void }) | null;
    s?.destroy?.();
    this.stream = null;
  }
}

/**
 * Frames of one stream to readings. Each delta is taken against the last frame this
 * stream accepted, not the engine's precpu_stats, so a repeated frame (same `read`) is
 * dropped and a skipped one widens the interval instead of giving a zero or NaN spike.
 */
export class StatsFrames {
  private last: { read: string; cpu: DockerStatsFrame['cpu_stats'] } | null = null;
  private lastNet: NetTotals | null = null;

  constructor(
    private readonly allocCpus: number,
    /** the container has a network of its own: each reading carries what moved since the last */
    private readonly countNetwork = false,
  ) {}

  next(frame: DockerStatsFrame, now: number): Reading | null {
    const read = typeof frame?.read === 'string' ? frame.read : '';
    const total = frame?.cpu_stats?.cpu_usage?.total_usage;
    if (typeof total !== 'number' || !frame.cpu_stats?.system_cpu_usage) return null; // not a frame of a live container
    if (this.last && read && read === this.last.read) return null; // the same frame again
    const prev = this.last?.cpu ?? frame.precpu_stats;
    this.last = { read, cpu: frame.cpu_stats };
    const reading = frameToReading({ ...frame, precpu_stats: prev }, this.allocCpus, now);
    if (!this.countNetwork) return reading;
    const net = dockerNetTotals(frame);
    const delta = net ? netDelta(this.lastNet ?? net, net) : {};
    if (net) this.lastNet = net;
    return reading ? { ...reading, ...delta } : null;
  }
}

/** Pure: one frame to a reading, or null for the first frame of a stream. */
export function frameToReading(frame: DockerStatsFrame, allocCpus: number, now: number): Reading | null {
  const cpu = dockerCpu(frame);
  if (!cpu) return null;
  const mem = dockerMemory(frame);
  const read = typeof frame?.read === 'string' ? Date.parse(frame.read) : Number.NaN;
  const pct = (c: number) => (100 * c) / allocCpus;
  return {
    at: Number.isFinite(read) && Math.abs(read - now) < 5000 ? read : now,
    user: pct(cpu.userCores),
    system: pct(cpu.systemCores),
    iowait: null,
    steal: null,
    idle: Math.max(0, 100 - pct(cpu.cores)),
    cores: cpu.cores,
    allocCpus,
    memUsedBytes: mem?.usedBytes ?? null,
    memCachedBytes: mem?.cachedBytes ?? null,
    memLimitBytes: mem?.limitBytes ?? null,
  };
}
