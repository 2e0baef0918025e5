import fs from 'node:fs/promises';
import { type CpuTimes, machineReading, parseMeminfo, parseProcStat } from './procstat.js';
import { Ticker } from './ticker.js';
import type { Reading, Sampler } from './types.js';

/** The physical host's view: /proc/stat and /proc/meminfo at every interval. */
export class HostSampler implements Sampler {
  readonly worker = 'host';
  readonly source = 'host' as const;
  readonly formula = '/proc/stat deltas of the host; % of all host CPUs; user=user+nice, system=system+irq+softirq';
  private ticker: Ticker | null = null;

  constructor(
    private readonly intervalMs: number,
    private readonly procRoot = '/proc',
  ) {}

  async start(onReading: (r: Reading) => void, onError: (err: Error) => void): Promise<void> {
    let prev: CpuTimes = (await this.read()).stat.total;
    this.ticker = new Ticker(this.intervalMs, async () => {
      try {
        const { stat, mem, at } = await this.read();
        onReading(machineReading(prev, stat, mem, at, stat.cpus));
        prev = stat.total;
      } catch (err) {
        onError(err as Error);
      }
    });
    this.ticker.start();
  }

  private async read() {
    const at = Date.now();
    const [statText, memText] = await Promise.all([
      fs.readFile(`${this.procRoot}/stat`, 'utf8'),
      fs.readFile(`${this.procRoot}/meminfo`, 'utf8'),
    ]);
    return { at, stat: parseProcStat(statText), mem: parseMeminfo(memText) };
  }

  async stop(): Promise<void> {
    this.ticker?.stop();
    this.ticker = null;
  }
}
