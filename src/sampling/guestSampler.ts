import type { SshConnection } from '../ssh/connection.js';
import { LineSplitter } from '../util/lines.js';
import { type NetTotals, netDelta, parseNetDev } from './netdev.js';
import { type CpuTimes, machineReading, parseMeminfo, parseProcStat } from './procstat.js';
import { type LoopParser, ShellLoopSampler } from './shellLoopSampler.js';
import { MEMORY_CHANGE_BYTES, memoryEvery, parseSmapsRollup, type WorkloadMemory } from './smaps.js';
import type { Reading } from './types.js';

export { backoffMs } from './shellLoopSampler.js';

const MARK = '@@versus';

/**
 * The loop that runs inside the guest for the whole run: bash builtins only, so
 * sampling forks nothing per interval (read -t on an idle pipe is the sleep).
 */
export function guestSamplerScript(
  intervalMs: number,
  memoryIntervalMs = 2000,
  workload = true,
  /** the guest's NIC on the run's segment, whose /proc/net/dev line goes with each block (not the SSH NIC's) */
  netIface?: string,
): string {
  const seconds = (intervalMs / 1000).toFixed(3);
  const every = memoryEvery(intervalMs, memoryIntervalMs);
  const lines = [
    'exec 3<> <(:)',
    'k=0 q=0 a=0',
    'while :; do',
    `  printf '%s\\n' '${MARK}'`,
    // the cpu lines come first: stop before the intr line (thousands of numbers, most of the cost)
    '  while IFS= read -r l; do case "$l" in cpu*) printf "%s\\n" "$l";; *) break;; esac; done < /proc/stat',
    // MemTotal, MemFree, MemAvailable, Buffers, Cached are the first five lines (Linux >= 3.14)
    // mapfile takes a file in one read, so its lines come from one snapshot (read -r seeks back
    // after each line, and /proc regenerates the text on every read)
    `  mapfile -t -n 5 m < /proc/meminfo; for l in "\${m[@]}"; do case "$l" in MemTotal:*|MemFree:*|MemAvailable:*|Buffers:*|Cached:*) printf "%s\\n" "$l";; esac; case "$l" in MemAvailable:*) set -- $l; a=$2;; esac; done`,
    // the workload (the guest's node process): found once, again only when it is gone; its
    // smaps_rollup (a page-table walk) only every ${every} ticks, see MemoryCadence
    // … and at once when the guest's available memory moved by 8 MiB since (MEMORY_CHANGE_BYTES)
    `  d=$((a - q)); if [ $((k++ % ${every})) -eq 0 ] || [ \${d#-} -ge ${MEMORY_CHANGE_BYTES / 1024} ]; then q=$a`,
    `  if [ -z "$p" ] || [ ! -e "/proc/$p" ]; then p=; for d in /proc/[0-9]*; do read -r c 2>/dev/null < "$d/comm" && [ "$c" = node ] && p=\${d#/proc/} && break; done; fi`,
    `  [ -n "$p" ] && mapfile -t m 2>/dev/null < "/proc/$p/smaps_rollup" && for l in "\${m[@]}"; do case "$l" in Pss:*|Private_Clean:*|Private_Dirty:*) printf "smaps %s\\n" "$l";; esac; done`,
    '  fi',
    ...(netIface
      ? [
          `  mapfile -t m < /proc/net/dev; for l in "\${m[@]}"; do case "$l" in *" ${netIface}:"*|"${netIface}:"*) printf "net %s\\n" "$l";; esac; done`,
        ]
      : []),
    `  read -t ${seconds} -u 3 _`,
    'done',
  ];
  // a host's view has no workload process of its own: its CPU and memory lines alone
  return (workload ? lines : lines.filter((l) => !/smaps|\bp=|then q=|^ {2}fi$/.test(l))).join('\n');
}

/** Splits the loop's output into blocks and turns consecutive blocks into readings. Pure apart from the clock. */
export class GuestStreamParser {
  private lines: string[] = [];
  private prev: CpuTimes | null = null;
  private workload: WorkloadMemory | null = null;
  private prevNet: NetTotals | null = null;
  private readonly splitter = new LineSplitter((line) => {
    if (line === MARK) this.flush();
    else this.lines.push(line);
  });

  constructor(
    private readonly allocCpus: number,
    private readonly onReading: (r: Reading) => void,
    private readonly onError: (e: Error) => void,
    private readonly now: () => number = Date.now,
  ) {}

  push(chunk: string): void {
    this.splitter.push(chunk);
  }

  private flush(): void {
    const lines = this.lines;
    this.lines = [];
    const smaps = lines.filter((l) => l.startsWith('smaps '));
    const net = lines.filter((l) => l.startsWith('net '));
    const block = lines.filter((l) => !l.startsWith('smaps ') && !l.startsWith('net ')).join('\n');
    if (!block.trim()) return;
    try {
      const stat = parseProcStat(block);
      const mem = parseMeminfo(block);
      // memory comes every few blocks: the ones in between repeat the last value
      if (smaps.length) this.workload = parseSmapsRollup(`\n${smaps.map((l) => l.slice(6)).join('\n')}\n`);
      const workload = this.workload;
      // the segment NIC's counters, as parseNetDev reads the file (two header lines first)
      const netTotals = net.length ? parseNetDev(`\n\n${net.map((l) => l.slice(4)).join('\n')}`) : null;
      if (this.prev)
        this.onReading({
          ...machineReading(this.prev, stat, mem, this.now(), this.allocCpus),
          memPssBytes: workload?.pssBytes ?? null,
          memUssBytes: workload?.ussBytes ?? null,
          ...(netTotals && this.prevNet ? netDelta(this.prevNet, netTotals) : {}),
        });
      this.prev = stat.total;
      this.prevNet = netTotals;
    } catch (err) {
      this.onError(err as Error);
    }
  }
}

/**
 * /proc/stat and /proc/meminfo inside a VM (or of a remote host), over one long-running
 * SSH command on a connection of its own; see ShellLoopSampler.
 */
export class GuestSampler extends ShellLoopSampler {
  /** 'guest': a VM's view, with its workload's memory; 'host': a remote host's /proc/stat and meminfo */
  readonly source: 'guest' | 'host';
  readonly formula: string;

  constructor(
    worker: string,
    connect: () => Promise<SshConnection>,
    private readonly allocCpus: number,
    private readonly intervalMs: number,
    private readonly memoryIntervalMs = 2000,
    view: 'guest' | 'host' = 'guest',
    private readonly netIface?: string,
  ) {
    super(worker, connect);
    this.source = view;
    this.formula =
      view === 'guest'
        ? 'guest /proc/stat deltas: user=(user+nice), system=(system+irq+softirq), iowait, steal, idle over their sum; % of the VM vCPUs'
        : "the remote host's /proc/stat over SSH, the same deltas; % of all its CPUs";
    if (netIface) this.formula += `; network: /proc/net/dev deltas of ${netIface} (the NIC on the run's segment)`;
  }

  protected script(): string {
    return guestSamplerScript(this.intervalMs, this.memoryIntervalMs, this.source === 'guest', this.netIface);
  }

  protected parser(onReading: (r: Reading) => void, onError: (err: Error) => void): LoopParser {
    return new GuestStreamParser(this.allocCpus, onReading, onError);
  }
}
