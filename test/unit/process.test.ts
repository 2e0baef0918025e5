import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { childAlive, stopChild } from '../../src/util/process.js';

const node = (code: string) => spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'ignore'] });
/** Resolves once the child printed its ready line: after its handlers are in place, however slow the machine. */
const ready = (child: ReturnType<typeof node>) =>
  new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));

describe('stopChild', () => {
  it('stops at the first signal the child obeys', async () => {
    const child = node("setInterval(() => {}, 1000); process.stdout.write('ready')");
    await ready(child);
    await stopChild(child, [
      ['SIGTERM', 5000],
      ['SIGKILL', 0],
    ]);
    expect(childAlive(child)).toBe(false);
    expect(child.signalCode).toBe('SIGTERM');
  });

  it('escalates when the child ignores a signal', async () => {
    const child = node("process.on('SIGTERM', () => {}); setInterval(() => {}, 1000); process.stdout.write('ready')");
    await ready(child);
    await stopChild(child, [
      ['SIGTERM', 300],
      ['SIGKILL', 0],
    ]);
    expect(child.signalCode).toBe('SIGKILL');
  });

  it('waits out a grace period without signalling a child that ends by itself', async () => {
    const child = node('setTimeout(() => process.exit(3), 200)');
    await stopChild(child, [
      [null, 5000],
      ['SIGKILL', 0],
    ]);
    expect(child.exitCode).toBe(3);
  });
});
