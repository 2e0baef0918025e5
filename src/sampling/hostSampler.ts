import { ProcFile } from './procFile.js';
import { type CpuTimes, machineReading, parseMeminfo, parseProcStat } from './procstat.js';
import { Ticker } from './ticker.js';
import type { Reading, Sampler } from './types.js';

/** The physical host's view: /proc/stat and /proc/meminfo at every interval. */
export class HostSampler implements Sampler {
  readonly worker = 'host';
  readonly source = 'host' as const;
  readonly formula = '/proc/stat deltas of the host; % of all host CPUs; user=user+nice, system=system+irq+softirq';
  private ticker: Ticker | null = null;
  private stat: ProcFile | null = null;
  private meminfo: ProcFile | null = null;

  constructor(
    private readonly intervalMs: number,
    private readonly procRoot = '/proc',
  ) {}

  async start(onReading: (r: Reading) => void, onError: (err: Error) => void): Promise<void> {
    this.stat = new ProcFile(`${this.procRoot}/stat`, 16_384);
    this.meminfo = new ProcFile(`${this.procRoot}/meminfo`, 8192);
    let prev: CpuTimes = this.read().stat.total;
    this.ticker = new Ticker(this.intervalMs, () => {
      try {
        const { stat, mem, at } = this.read();
        onReading(machineReading(prev, stat, mem, at, stat.cpus));
        prev = stat.total;
      } catch (err) {
        onError(err as Error);
      }
    });
    this.ticker.start();
  }

  private read() {
    const at = Date.now();
    return { at, stat: parseProcStat(this.stat!.read()), mem: parseMeminfo(this.meminfo!.read()) };
  }

  async stop(): Promise<void> {
    this.ticker?.stop();
    this.ticker = null;
    this.stat?.close();
    this.meminfo?.close();
  }
}
