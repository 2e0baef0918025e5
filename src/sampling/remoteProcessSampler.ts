// A process on a remote host seen from that host (a native worker, a VM's QEMU): its
// /proc/<pid>/stat streamed by a bash loop over SSH, as ProcessSampler reads it here.
// The pid comes from a pid file the process's launcher writes; the elapsed time from
// the host's /proc/uptime, so network jitter does not bend the shares.

import type { SshConnection } from '../ssh/connection.js';
import { shellQuote } from '../ssh/quote.js';
import { LineSplitter } from '../util/lines.js';
import { NET_FORMULA, type NetTotals, netDelta, parseNetDev } from './netdev.js';
import { type ProcessTicks, processReading } from './processSampler.js';
import { parsePidStat } from './procstat.js';
import { type LoopParser, ShellLoopSampler } from './shellLoopSampler.js';
import { memoryEvery, parseSmapsRollup, type WorkloadMemory } from './smaps.js';
import type { Reading } from './types.js';

const GONE = '@@gone';

/** The loop: waits for the pid file, then one block per tick until the process is gone. Pure. */
export function remoteProcessScript(
  pidFile: string,
  intervalMs: number,
  memoryIntervalMs: number | null,
  /** the process has a network namespace of its own: its /proc/<pid>/net/dev lines (all but lo) with each block */
  network = false,
): string {
  const every = memoryIntervalMs === null ? 0 : memoryEvery(intervalMs, memoryIntervalMs);
  const memory =
    every > 0
      ? `  if [ $((k++ % ${every})) -eq 0 ]; then mapfile -t m 2>/dev/null < "/proc/$p/smaps_rollup" && for l in "\${m[@]}"; do case "$l" in Pss:*|Private_Clean:*|Private_Dirty:*) printf "smaps %s\\n" "$l";; esac; done; fi`
      : '';
  return [
    'exec 3<> <(:)',
    'k=0',
    `until [ -s ${shellQuote(pidFile)} ]; do read -t 0.1 -u 3 _; done`,
    `read -r p < ${shellQuote(pidFile)}`,
    'while :; do',
    '  read -r u _ < /proc/uptime',
    `  read -r l 2>/dev/null < "/proc/$p/stat" || { printf '%s\\n' '${GONE}'; exit 0; }`,
    `  printf '@@at %s\\nstat %s\\n' "$u" "$l"`,
    memory,
    network
      ? `  mapfile -t m 2>/dev/null < "/proc/$p/net/dev" && for l in "\${m[@]:2}"; do case "$l" in *" lo:"*) ;; *) printf "net %s\\n" "$l";; esac; done`
      : '',
    "  printf '@@end\\n'",
    `  read -t ${(intervalMs / 1000).toFixed(3)} -u 3 _`,
    'done',
  ]
    .filter(Boolean)
    .join('\n');
}

interface Tick extends Omit<ProcessTicks, 'mem'> {
  uptimeS: number;
}

/** Blocks of the loop → readings (the first block is the baseline). Pure apart from the clock. */
export class RemoteProcessParser implements LoopParser {
  done = false;
  private readonly splitter = new LineSplitter((line) => {
    if (line === GONE) this.done = true;
    else if (line === '@@end') this.flush();
    else this.block.push(line);
  });
  private block: string[] = [];
  private prev: Tick | null = null;
  private memory: WorkloadMemory | null = null;
  private net: NetTotals | null = null;
  private prevNet: NetTotals | null = null;

  constructor(
    private readonly allocCpus: number,
    private readonly withChildren: boolean,
    private readonly onReading: (r: Reading) => void,
    private readonly onError: (e: Error) => void,
    private readonly now: () => number = Date.now,
  ) {}

  push(chunk: string): void {
    this.splitter.push(chunk);
  }

  private flush(): void {
    const block = this.block;
    this.block = [];
    try {
      const uptimeS = Number(block.find((l) => l.startsWith('@@at '))?.slice(5));
      const stat = block.find((l) => l.startsWith('stat '));
      if (!stat || !Number.isFinite(uptimeS)) throw new Error('a block without its stat line or uptime');
      const t = parsePidStat(stat.slice(5));
      const children = this.withChildren;
      const smaps = block.filter((l) => l.startsWith('smaps ')).map((l) => l.slice(6));
      if (smaps.length) this.memory = parseSmapsRollup(`\n${smaps.join('\n')}\n`);
      const net = block.filter((l) => l.startsWith('net ')).map((l) => l.slice(4));
      // as parseNetDev reads the file: two header lines first
      this.net = net.length ? parseNetDev(`\n\n${net.join('\n')}`) : null;
      this.emit({
        uptimeS,
        rssPages: t.rssPages,
        user: t.utimeTicks + (children ? t.cutimeTicks : 0),
        system: t.stimeTicks + (children ? t.cstimeTicks : 0),
      });
    } catch (err) {
      this.onError(err as Error);
    }
  }

  private emit(cur: Tick): void {
    const prev = this.prev;
    this.prev = cur;
    if (!prev) return;
    const reading = processReading(
      { ...prev, mem: null },
      { ...cur, mem: this.memory },
      cur.uptimeS - prev.uptimeS,
      this.allocCpus,
      this.now(),
    );
    const net = this.net && this.prevNet ? netDelta(this.prevNet, this.net) : {};
    this.prevNet = this.net;
    if (reading) this.onReading({ ...reading, ...net });
  }
}

/** A remote process's view: 'process' source, as ProcessSampler gives for one here. */
export class RemoteProcessSampler extends ShellLoopSampler {
  readonly source = 'process' as const;
  readonly formula: string;

  constructor(
    worker: string,
    connect: () => Promise<SshConnection>,
    private readonly pidFile: string,
    private readonly allocCpus: number,
    private readonly intervalMs: number,
    /** the process is the workload (native): its reaped children and its PSS/USS too; not for QEMU */
    private readonly isWorkload: boolean,
    private readonly memoryIntervalMs = 2000,
    /** the process is in a network namespace of its own (a native worker on its run's segment) */
    private readonly network = false,
  ) {
    super(worker, connect);
    this.formula = isWorkload
      ? `the remote host's /proc/<pid>/stat of the workload (utime+stime+cutime+cstime, all threads) deltas over its /proc/uptime, streamed over SSH; % of ${allocCpus} allocated CPU(s)`
      : `the remote host's /proc/<pid>/stat (utime+stime, all threads) deltas over its /proc/uptime, streamed over SSH; % of ${allocCpus} allocated CPU(s)`;
    if (network) this.formula += `; ${NET_FORMULA}`;
  }

  protected script(): string {
    return remoteProcessScript(
      this.pidFile,
      this.intervalMs,
      this.isWorkload ? this.memoryIntervalMs : null,
      this.network,
    );
  }

  protected parser(onReading: (r: Reading) => void, onError: (err: Error) => void): LoopParser {
    return new RemoteProcessParser(this.allocCpus, this.isWorkload, onReading, onError);
  }
}
