/**
 * One timer per interval for every sampler that ticks at it: a wake-up of the event loop
 * costs the harness far more than a sampler's reads (about 0.2 ms against 0.02 ms on a
 * 2-core VM), so N containers share one wake-up instead of paying N.
 */
class SharedClock {
  private readonly fns = new Set<() => void | Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private next = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly onIdle: () => void,
  ) {}

  add(fn: () => void | Promise<void>): void {
    this.fns.add(fn);
    if (this.timer === null) {
      this.next = Date.now() + this.intervalMs;
      this.timer = setTimeout(() => void this.tick(), this.intervalMs);
    }
  }

  remove(fn: () => void | Promise<void>): void {
    this.fns.delete(fn);
    if (this.fns.size === 0) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      this.onIdle();
    }
  }

  /** Runs every sampler (the synchronous ones back to back), then schedules the next tick drift-free. */
  private async tick(): Promise<void> {
    const pending: Promise<void>[] = [];
    for (const fn of [...this.fns]) {
      try {
        const r = fn();
        if (r) pending.push(r.catch(() => {}));
      } catch {
        // a sampler reports its own errors; one that throws must not stop the others
      }
    }
    if (pending.length) await Promise.all(pending);
    if (this.timer === null) return;
    this.next += this.intervalMs;
    const now = Date.now();
    if (this.next < now) this.next = now + this.intervalMs; // fell behind: skip, do not burst
    this.timer = setTimeout(() => void this.tick(), this.next - now);
  }
}

const clocks = new Map<number, SharedClock>();

/** Calls fn every intervalMs on a drift-free schedule, on the clock shared by all tickers of that interval. */
export class Ticker {
  private clock: SharedClock | null = null;

  constructor(
    private readonly intervalMs: number,
    private readonly fn: () => void | Promise<void>,
  ) {}

  start(): void {
    let clock = clocks.get(this.intervalMs);
    if (!clock) {
      const interval = this.intervalMs;
      clock = new SharedClock(interval, () => clocks.delete(interval));
      clocks.set(interval, clock);
    }
    this.clock = clock;
    clock.add(this.fn);
  }

  stop(): void {
    this.clock?.remove(this.fn);
    this.clock = null;
  }
}
