// Network counters of a worker's own view: /proc/net/dev of its namespace (a native
// worker's netns, a container's, a guest's), the engine's stats `networks`. Readings
// carry what moved during the interval, so a run's total is the sum of its samples.
import { ProcFile } from './procFile.js';

export interface NetTotals {
  rxBytes: number;
  rxPackets: number;
  txBytes: number;
  txPackets: number;
}

/** The counters of a reading: bytes and packets in the interval before it. */
export interface NetDelta {
  netRxBytes: number;
  netTxBytes: number;
  netRxPackets: number;
  netTxPackets: number;
}

/**
 * /proc/net/dev summed over every interface but loopback (traffic a worker sends itself
 * never leaves it). Pure.
 */
export function parseNetDev(text: string): NetTotals {
  const t = { rxBytes: 0, rxPackets: 0, txBytes: 0, txPackets: 0 };
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0 || line.slice(0, colon).trim() === 'lo') continue;
    const f = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    // receive: bytes packets errs drop fifo frame compressed multicast; transmit: bytes packets …
    t.rxBytes += f[0] ?? 0;
    t.rxPackets += f[1] ?? 0;
    t.txBytes += f[8] ?? 0;
    t.txPackets += f[9] ?? 0;
  }
  return t;
}

/** What moved between two readings of the counters (a counter reset reads as 0). Pure. */
export function netDelta(prev: NetTotals, cur: NetTotals): NetDelta {
  const d = (a: number, b: number) => Math.max(0, b - a);
  return {
    netRxBytes: d(prev.rxBytes, cur.rxBytes),
    netTxBytes: d(prev.txBytes, cur.txBytes),
    netRxPackets: d(prev.rxPackets, cur.rxPackets),
    netTxPackets: d(prev.txPackets, cur.txPackets),
  };
}

/** Counters read at each tick as deltas since the last read; the first read sets the baseline. */
export interface NetCounter {
  next(): NetDelta;
  close(): void;
}

/**
 * A host-side link's own counters (/sys/class/net/<link>/statistics), seen from the worker:
 * a VM's tap receives what the guest sends, so rx and tx swap.
 */
export class LinkCounter implements NetCounter {
  private readonly files: ProcFile[];
  private prev: NetTotals | null = null;

  constructor(link: string) {
    const stat = (n: string) => new ProcFile(`/sys/class/net/${link}/statistics/${n}`, 64);
    this.files = ['tx_bytes', 'tx_packets', 'rx_bytes', 'rx_packets'].map(stat);
  }

  next(): NetDelta {
    const [rxBytes, rxPackets, txBytes, txPackets] = this.files.map((f) => Number(f.read().trim()));
    const cur = { rxBytes: rxBytes!, rxPackets: rxPackets!, txBytes: txBytes!, txPackets: txPackets! };
    const delta = netDelta(this.prev ?? cur, cur);
    this.prev = cur;
    return delta;
  }

  close(): void {
    for (const f of this.files) f.close();
  }
}

/** The counters of one namespace through a process in it, as deltas since the last call. */
export class NetDevCounter implements NetCounter {
  private readonly file: ProcFile;
  private prev: NetTotals | null = null;

  constructor(pid: number) {
    this.file = new ProcFile(`/proc/${pid}/net/dev`, 2048);
  }

  /** The delta since the previous call (the first call sets the baseline: zeros). */
  next(): NetDelta {
    const cur = parseNetDev(this.file.read());
    const delta = netDelta(this.prev ?? cur, cur);
    this.prev = cur;
    return delta;
  }

  close(): void {
    this.file.close();
  }
}

export const NET_FORMULA =
  'network: /proc/<pid>/net/dev of its own namespace, every interface but lo, bytes and packets moved in each interval';
export const TAP_FORMULA =
  "network: the VM's tap on the host (/sys/class/net/<tap>/statistics, rx and tx swapped to the guest's side), bytes and packets moved in each interval";
