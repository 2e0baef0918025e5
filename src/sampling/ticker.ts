/** Calls fn every intervalMs on a drift-free schedule until stopped. */
export class Ticker {
  private timer: NodeJS.Timeout | null = null;
  private next = 0;
  constructor(
    private readonly intervalMs: number,
    private readonly fn: () => void | Promise<void>,
  ) {}
  start(): void {
    this.next = Date.now() + this.intervalMs;
    const loop = async () => {
      await this.fn();
      if (this.timer === null) return;
      this.next += this.intervalMs;
      const now = Date.now();
      if (this.next < now) this.next = now + this.intervalMs; // fell behind: skip, do not burst
      this.timer = setTimeout(loop, this.next - now);
    };
    this.timer = setTimeout(loop, this.intervalMs);
  }
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
