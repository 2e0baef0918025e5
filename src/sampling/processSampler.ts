import { NET_FORMULA, type NetCounter, NetDevCounter } from './netdev.js';
import { descendantStats, descendants, treeMemory, treeTicks } from './processTree.js';
import { isGone, ProcFile } from './procFile.js';
import { parsePidStat } from './procstat.js';
import { MemoryCadence, type WorkloadMemory } from './smaps.js';
import { Ticker } from './ticker.js';
import type { Reading, Sampler, SampleSource } from './types.js';

const CLOCK_TICKS = 100; // USER_HZ on Linux
const PAGE_SIZE = 4096;

/** What two reads of a process give: its CPU ticks, resident pages and (a workload's) PSS/USS. */
export interface ProcessTicks {
  user: number;
  system: number;
  rssPages: number;
  mem: WorkloadMemory | null;
}

/** Two reads of a process `seconds` apart as a reading of its allocation; null when no time passed. Pure. */
export function processReading(
  prev: ProcessTicks,
  cur: ProcessTicks,
  seconds: number,
  allocCpus: number,
  at: number,
): Reading | null {
  if (seconds <= 0) return null;
  const userCores = Math.max(0, cur.user - prev.user) / CLOCK_TICKS / seconds;
  const systemCores = Math.max(0, cur.system - prev.system) / CLOCK_TICKS / seconds;
  const pct = (c: number) => (100 * c) / allocCpus;
  return {
    at,
    user: pct(userCores),
    system: pct(systemCores),
    iowait: null,
    steal: null,
    idle: Math.max(0, 100 - pct(userCores + systemCores)),
    cores: userCores + systemCores,
    allocCpus,
    memUsedBytes: cur.rssPages * PAGE_SIZE,
    memCachedBytes: null,
    memLimitBytes: null,
    memPssBytes: cur.mem?.pssBytes ?? null,
    memUssBytes: cur.mem?.ussBytes ?? null,
  };
}

/**
 * One host process seen from the host: utime+stime of all its threads from
 * /proc/<pid>/stat. Used for each VM's QEMU process, and for native workers with
 * every process the workload started (its tools) and their waited-for children.
 */
export class ProcessSampler implements Sampler {
  formula: string;
  private ticker: Ticker | null = null;
  private file: ProcFile | null = null;
  private smaps: ProcFile | null = null;
  private readonly memory: MemoryCadence;
  private net: NetCounter | null = null;
  private netSource: (() => NetCounter) | null = null;

  constructor(
    readonly worker: string,
    private readonly pid: number,
    private readonly allocCpus: number,
    private readonly intervalMs: number,
    readonly source: SampleSource = 'process',
    /** the process is the workload itself (native): also its PSS/USS; not for a VM's QEMU */
    private readonly isWorkload = false,
    memoryIntervalMs = 2000,
  ) {
    this.memory = new MemoryCadence(memoryIntervalMs);
    this.formula = isWorkload
      ? `/proc/<pid>/stat of the workload and its descendants (utime+stime+cutime+cstime, all threads) deltas / elapsed; % of ${allocCpus} allocated CPU(s)`
      : `/proc/<pid>/stat (utime+stime, all threads) deltas / elapsed; % of ${allocCpus} allocated CPU(s)`;
  }

  /** The process has a network namespace of its own: its interfaces' counters are this worker's traffic. */
  countNetwork(counter: () => NetCounter = () => new NetDevCounter(this.pid), formula = NET_FORMULA): this {
    this.netSource = counter;
    this.formula = `${this.formula}; ${formula}`;
    return this;
  }

  async start(onReading: (r: Reading) => void, onError: (err: Error) => void): Promise<void> {
    this.file = new ProcFile(`/proc/${this.pid}/stat`, 1024);
    if (this.netSource) {
      this.net = this.netSource();
      this.net.next();
    }
    this.smaps = this.isWorkload ? new ProcFile(`/proc/${this.pid}/smaps_rollup`, 2048) : null;
    let prev = this.read();
    this.ticker = new Ticker(this.intervalMs, () => {
      let cur: ReturnType<ProcessSampler['read']>;
      try {
        cur = this.read();
      } catch (err) {
        if (isGone(err)) {
          this.ticker?.stop(); // the process has ended: nothing more to see
          return;
        }
        onError(err as Error);
        return;
      }
      const reading = processReading(prev, cur, (cur.at - prev.at) / 1000, this.allocCpus, cur.at);
      prev = cur;
      if (reading) onReading(this.net ? { ...reading, ...this.netDelta() } : reading);
    });
    this.ticker.start();
  }

  /** The traffic since the last tick; nothing once the process (and its view of the namespace) is gone. */
  private netDelta() {
    try {
      return this.net!.next();
    } catch {
      return {};
    }
  }

  /** A QEMU process alone; a workload with every process it started (a tool it runs). */
  private read() {
    const at = Date.now();
    const t = parsePidStat(this.file!.read());
    const smaps = this.smaps;
    if (!this.isWorkload || !smaps)
      return { at, user: t.utimeTicks, system: t.stimeTicks, rssPages: t.rssPages, mem: null };
    const kids = descendants(this.pid);
    const tree = kids.length ? treeTicks([t, ...descendantStats(kids)]) : treeTicks([t]);
    const rss = tree.rssPages * PAGE_SIZE;
    return { at, ...tree, mem: this.memory.value(() => treeMemory(smaps.read(), kids), rss) };
  }

  async stop(): Promise<void> {
    this.ticker?.stop();
    this.ticker = null;
    this.file?.close();
    this.file = null;
    this.smaps?.close();
    this.smaps = null;
    this.net?.close();
    this.net = null;
  }
}
