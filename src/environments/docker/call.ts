// Every short Docker API call is bounded: a hung engine becomes an error that says so.
import { withTimeout } from '../../util/timeout.js';

export class EngineError extends Error {}

/** Every short Docker API call is bounded: a hung engine becomes an error that says so. */
export function engineCall<T>(p: Promise<T>, seconds: number, what: string): Promise<T> {
  return withTimeout(
    p,
    seconds * 1000,
    () => new EngineError(`Docker Engine stopped answering (${what}: no reply within ${seconds} s)`),
  );
}

/** How hard versus may press an engine: each call's bound, how many at once, how long a busy engine may take. */
export interface EngineLimits {
  apiTimeoutS: number;
  /** engine calls that create, start, attach or remove containers at once; the rest wait their turn */
  concurrency: number;
  /** a call past its bound while the engine answers pings is waited for up to this long in all */
  busyS: number;
}

export const DEFAULT_ENGINE_LIMITS: EngineLimits = { apiTimeoutS: 30, concurrency: 16, busyS: 600 };

/**
 * The engine's heavy calls through one gate: at most `concurrency` at once (an engine asked
 * to start 128 containers at once answered none of them within 30 s), and a call past its
 * bound told apart: the engine still answers a ping (busy: keep waiting, up to busyS) or
 * does not (dead: fail now, saying so).
 */
export class EngineGate {
  private active = 0;
  private readonly queue: (() => void)[] = [];

  constructor(
    private readonly ping: () => Promise<unknown>,
    readonly limits: EngineLimits,
  ) {}

  async call<T>(start: () => Promise<T>, what: string): Promise<T> {
    await this.acquire();
    try {
      return await this.patiently(start(), what);
    } finally {
      this.release();
    }
  }

  private async patiently<T>(p: Promise<T>, what: string): Promise<T> {
    const { apiTimeoutS, busyS } = this.limits;
    const started = Date.now();
    const late = new Error('late');
    for (;;) {
      try {
        return await withTimeout(p, apiTimeoutS * 1000, () => late);
      } catch (err) {
        if (err !== late) throw err;
      }
      const alive = await engineCall(this.ping(), Math.min(5, apiTimeoutS), 'ping').then(
        () => true,
        () => false,
      );
      const waited = Math.round((Date.now() - started) / 1000);
      if (!alive)
        throw new EngineError(
          `Docker Engine stopped answering (${what}: no reply within ${waited} s, nor to a ping after it)`,
        );
      if (waited >= busyS)
        throw new EngineError(
          `Docker Engine too busy: ${what} took more than ${busyS} s while the engine answered pings (${this.limits.concurrency} calls at once; docker.engineConcurrency, docker.busyTimeoutS)`,
        );
    }
  }

  private acquire(): Promise<void> {
    if (this.active < this.limits.concurrency) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.queue.push(resolve));
  }

  /** Hands the slot to the next waiting call, or frees it. */
  private release(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.active--;
  }
}
