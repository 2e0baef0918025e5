// A lock file holding the owner's pid: two processes never write the same files at
// once, and a lock left by a dead process is taken over.
import fs from 'node:fs';
import { UsageError } from './errors.js';

const pidAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Tries once: true when the lock is now ours. */
function tryTake(lock: string): { taken: boolean; holder: number } {
  try {
    const fd = fs.openSync(lock, 'wx');
    fs.writeSync(fd, String(process.pid));
    fs.closeSync(fd);
    return { taken: true, holder: process.pid };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const holder = Number(fs.readFileSync(lock, 'utf8') || 0);
    if (holder && !pidAlive(holder)) {
      fs.rmSync(lock, { force: true });
      return tryTake(lock);
    }
    return { taken: false, holder };
  }
}

/** Runs fn holding the lock file, waiting up to timeoutMs for another holder. */
export async function withLock<T>(lock: string, fn: () => T | Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { taken, holder } = tryTake(lock);
    if (taken) break;
    if (Date.now() > deadline)
      throw new UsageError(`${lock}: held by process ${holder} for over ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}
