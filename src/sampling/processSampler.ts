import fs from 'node:fs/promises';
import { parsePidStat } from './procstat.js';
import { Ticker } from './ticker.js';
import type { Reading, Sampler, SampleSource } from './types.js';

const CLOCK_TICKS = 100; // USER_HZ on Linux
const PAGE_SIZE = 4096;

/**
 * One host process seen from the host: utime+stime of all its threads from
 * /proc/<pid>/stat. Used for native workers and for each VM's QEMU process.
 */
export class ProcessSampler implements Sampler {
  readonly formula: string;
  private ticker: Ticker | null = null;

  constructor(
    readonly worker: string,
    private readonly pid: number,
    private readonly allocCpus: number,
    private readonly intervalMs: number,
    readonly source: SampleSource = 'process',
  ) {
    this.formula = `/proc/${'<pid>'}/stat (utime+stime, all threads) deltas / elapsed; % of ${allocCpus} allocated CPU(s)`;
  }

  async start(onReading: (r: Reading) => void, onError: (err: Error) => void): Promise<void> {
    let prev = await this.read();
    this.ticker = new Ticker(this.intervalMs, async () => {
      let cur: Awaited<ReturnType<ProcessSampler['read']>>;
      try {
        cur = await this.read();
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ESRCH') {
          this.ticker?.stop(); // the process has ended: nothing more to see
          return;
        }
        onError(err as Error);
        return;
      }
      const seconds = (cur.at - prev.at) / 1000;
      if (seconds <= 0) return;
      const userCores = Math.max(0, cur.t.utimeTicks - prev.t.utimeTicks) / CLOCK_TICKS / seconds;
      const systemCores = Math.max(0, cur.t.stimeTicks - prev.t.stimeTicks) / CLOCK_TICKS / seconds;
      prev = cur;
      const pct = (c: number) => (100 * c) / this.allocCpus;
      onReading({
        at: cur.at,
        user: pct(userCores),
        system: pct(systemCores),
        iowait: null,
        steal: null,
        idle: Math.max(0, 100 - pct(userCores + systemCores)),
        cores: userCores + systemCores,
        allocCpus: this.allocCpus,
        memUsedBytes: cur.t.rssPages * PAGE_SIZE,
        memCachedBytes: null,
        memLimitBytes: null,
      });
    });
    this.ticker.start();
  }

  private async read() {
    const at = Date.now();
    const text = await fs.readFile(`/proc/${this.pid}/stat`, 'utf8');
    return { at, t: parsePidStat(text) };
  }

  async stop(): Promise<void> {
    this.ticker?.stop();
    this.ticker = null;
  }
}
