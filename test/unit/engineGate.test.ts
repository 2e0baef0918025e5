// The gate every heavy engine call goes through: a bounded number at once, and a call past
// its bound told apart — busy engine (answers pings: keep waiting) from dead (fail now).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EngineGate } from '../../src/environments/docker/call.js';

const limits = { apiTimeoutS: 30, concurrency: 3, busyS: 600 };
/** A call the test settles by hand. */
function pending<T>() {
  let resolve!: (v: T) => void;
  const p = new Promise<T>((r) => {
    resolve = r;
  });
  return { p, resolve };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the engine gate', () => {
  it('lets `concurrency` calls run at once and the rest in turn, each once', async () => {
    const gate = new EngineGate(async () => 'OK', limits);
    let active = 0;
    let most = 0;
    const calls = Array.from({ length: 10 }, (_, i) =>
      gate.call(async () => {
        most = Math.max(most, ++active);
        await new Promise((r) => setTimeout(r, 100));
        active--;
        return i;
      }, 'start'),
    );
    await vi.advanceTimersByTimeAsync(1000);
    expect(await Promise.all(calls)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(most).toBe(3);
  });

  it('waits past the bound for an engine that still answers pings', async () => {
    const slow = pending<string>();
    const gate = new EngineGate(async () => 'OK', limits);
    const call = gate.call(() => slow.p, 'start');
    await vi.advanceTimersByTimeAsync(95_000);
    slow.resolve('started');
    await expect(call).resolves.toBe('started');
  });

  it('fails at once, saying so, when the engine answers no ping either', async () => {
    const gate = new EngineGate(() => new Promise(() => {}), limits);
    const call = gate.call(() => new Promise(() => {}), 'start');
    const seen = expect(call).rejects.toThrow(
      /Docker Engine stopped answering \(start: no reply within 35 s, nor to a ping/,
    );
    await vi.advanceTimersByTimeAsync(36_000);
    await seen;
  });

  it('gives up on a busy engine after busyS, naming the knobs', async () => {
    const gate = new EngineGate(async () => 'OK', { ...limits, busyS: 60 });
    const call = gate.call(() => new Promise(() => {}), 'create container');
    const seen = expect(call).rejects.toThrow(
      /too busy: create container took more than 60 s .*docker.engineConcurrency/,
    );
    await vi.advanceTimersByTimeAsync(61_000);
    await seen;
  });

  it('frees its slot when a call fails', async () => {
    const gate = new EngineGate(async () => 'OK', { ...limits, concurrency: 1 });
    await expect(gate.call(() => Promise.reject(new Error('no such image')), 'create container')).rejects.toThrow(
      'no such image',
    );
    await expect(gate.call(async () => 'next', 'start')).resolves.toBe('next');
  });
});
