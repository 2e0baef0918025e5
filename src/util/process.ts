import type { ChildProcess } from 'node:child_process';

/** Whether a process exists (signal 0 probes without touching it). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function childAlive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/**
 * Ends a child step by step: each step sends its signal (none: just wait) and
 * gives the child that long to exit; after the last step it is awaited.
 * `send` lets a caller signal a whole process group instead.
 */
export async function stopChild(
  child: ChildProcess,
  steps: readonly (readonly [NodeJS.Signals | null, number])[],
  send: (signal: NodeJS.Signals) => void = (signal) => child.kill(signal),
): Promise<void> {
  if (!childAlive(child)) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  for (const [signal, ms] of steps) {
    if (signal) send(signal);
    let timer: NodeJS.Timeout | undefined;
    const inTime = await Promise.race([
      exited.then(() => true),
      new Promise<boolean>((r) => {
        timer = setTimeout(() => r(false), ms);
      }),
    ]);
    clearTimeout(timer);
    if (inTime) return;
  }
  await exited;
}
