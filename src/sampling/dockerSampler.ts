import type Docker from 'dockerode';
import { LineSplitter } from '../workload/protocol.js';
import { type DockerStatsFrame, dockerCpu, dockerMemory } from './dockerStats.js';
import type { Reading, Sampler } from './types.js';

/**
 * The Docker stats stream of one container (the engine emits a frame about once
 * a second). CPU as the docker CLI computes it, then as % of the worker's --cpus.
 */
export class DockerStatsSampler implements Sampler {
  readonly source = 'cgroup' as const;
  readonly formula: string;
  private stream: NodeJS.ReadableStream | null = null;
  private stopped = false;

  constructor(
    readonly worker: string,
    private readonly container: Docker.Container,
    private readonly allocCpus: number,
  ) {
    this.formula = `docker stats: cores = cpuDelta/systemDelta*onlineCPUs; % of --cpus ${allocCpus}; user/system split by usage_in_usermode/kernelmode; memory = usage - inactive_file`;
  }

  async start(onReading: (r: Reading) => void, onError: (err: Error) => void): Promise<void> {
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
      const reading = frameToReading(frame, this.allocCpus, Date.now());
      if (reading) onReading(reading);
    });
    stream.on('data', (chunk: Buffer) => splitter.push(chunk));
    stream.on('error', (err: Error) => {
      if (!this.stopped) onError(err);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const s = this.stream as (NodeJS.ReadableStream & { destroy?: () => void }) | null;
    s?.destroy?.();
    this.stream = null;
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
