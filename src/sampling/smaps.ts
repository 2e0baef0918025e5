// Memory that means the same thing in every environment: the workload processes' PSS
// (their own pages plus a fair share of shared ones) and USS (pages only they hold), from
// /proc/<pid>/smaps_rollup. Read from the host for native and container processes, inside
// the guest for VMs. Pure parsing here; the samplers read the files.

export interface WorkloadMemory {
  pssBytes: number;
  ussBytes: number;
}

/** One smaps_rollup text → PSS and USS (Private_Clean + Private_Dirty) in bytes; null if it is not one. */
export function parseSmapsRollup(text: string): WorkloadMemory | null {
  const kb = (key: string): number | null => {
    const i = text.indexOf(`\n${key}:`);
    if (i < 0) return null;
    const m = /^\s*(\d+)\s*kB/.exec(text.slice(i + key.length + 2, i + key.length + 40));
    return m ? Number(m[1]) : null;
  };
  const pss = kb('Pss');
  const clean = kb('Private_Clean');
  const dirty = kb('Private_Dirty');
  if (pss === null || clean === null || dirty === null) return null;
  return { pssBytes: pss * 1024, ussBytes: (clean + dirty) * 1024 };
}

/** Sum over the processes of a worker (a container's cgroup may hold more than one). */
export function sumMemory(parts: readonly (WorkloadMemory | null)[]): WorkloadMemory | null {
  const seen = parts.filter((p): p is WorkloadMemory => p !== null);
  if (seen.length === 0) return null;
  return {
    pssBytes: seen.reduce((a, p) => a + p.pssBytes, 0),
    ussBytes: seen.reduce((a, p) => a + p.ussBytes, 0),
  };
}

/** Pids listed in a cgroup.procs file. */
export function parseProcs(text: string): number[] {
  return text
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
}

/** A change in a cheap memory figure (RSS, cgroup usage, guest used) that makes PSS worth reading again. */
export const MEMORY_CHANGE_BYTES = 8 * 2 ** 20;

/**
 * smaps_rollup walks the page tables of the whole process: about 2.5 ms of kernel time
 * for a 200 MB node process on a 2-core VM, 25x a CPU tick. So PSS/USS are read at their
 * own, slower cadence — and at once when a cheap figure read every tick (RSS, the cgroup's
 * usage) moved by 8 MiB since, so a workload that grows is seen growing — and readings
 * in between repeat the last value.
 */
export class MemoryCadence {
  private lastAt = Number.NEGATIVE_INFINITY;
  private last: WorkloadMemory | null = null;
  private cheapAtLast: number | null = null;

  constructor(private readonly intervalMs: number) {}

  /** The last value, refreshed by read() when the interval has passed (5% early is on time) or `cheap` moved. */
  value(
    read: () => WorkloadMemory | null,
    cheap: number | null = null,
    now = performance.now(),
  ): WorkloadMemory | null {
    const moved =
      cheap !== null && this.cheapAtLast !== null && Math.abs(cheap - this.cheapAtLast) >= MEMORY_CHANGE_BYTES;
    if (moved || now - this.lastAt >= this.intervalMs * 0.95) {
      this.lastAt = now;
      this.cheapAtLast = cheap;
      this.last = read();
    }
    return this.last;
  }
}

/** How many CPU ticks make one memory tick (at least 1). */
export function memoryEvery(intervalMs: number, memoryIntervalMs: number): number {
  return Math.max(1, Math.round(memoryIntervalMs / intervalMs));
}
