// The drift canary: before each block of runs (every environment once, back to back),
// a short fixed piece of work runs natively on the host, pinned to one CPU, and its speed
// is recorded with every run of the block. A host that slows down between blocks (a
// neighbour, thermal limits, steal) shows as a canary off its median (results/canary.ts).
import type { CanaryProbe } from '../results/types.js';
import { run, which } from '../util/exec.js';

import { canaryKernel } from './canaryKernel.js';

const KERNEL = `(${canaryKernel.toString()})()`;

/** One probe pinned to `cpu` (taskset when the host has it); null when it could not run, with why. */
export async function probeCanary(cpu: number, signal?: AbortSignal): Promise<CanaryProbe | string> {
  const taskset = await which('taskset');
  const node = [process.execPath, '-e', KERNEL];
  const [cmd, args] = taskset ? [taskset, ['-c', String(cpu), ...node]] : [node[0]!, node.slice(1)];
  try {
    const out = await run(cmd, args, { timeoutMs: 60_000, ...(signal ? { signal } : {}) });
    const line = JSON.parse(out.stdout.trim().split('\n').at(-1)!) as { mstepsPerS: number };
    if (!(line.mstepsPerS > 0)) return `the canary printed ${out.stdout.trim()}`;
    return { mstepsPerS: line.mstepsPerS, at: new Date().toISOString(), cpu: taskset ? cpu : null };
  } catch (err) {
    // the first line: the kernel's source would follow
    return (err as Error).message.split('\n')[0]!.slice(0, 200);
  }
}

/** The block a planned run belongs to: its repetition and its density (warm-ups are blocks too). */
export const blockKey = (p: { repetition: number; instances: number }) => `${p.repetition}\0${p.instances}`;
