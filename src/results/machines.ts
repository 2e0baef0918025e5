// The machines VM workers ran on, as their guests saw them: two VM flavours compared on
// different CPUs (another -cpu model, fewer SIMD flags) or clocksources mix the machine
// into the isolation's cost, and nothing else would say so. Pure.
import type { MachineFacts, RunRecord } from './types.js';

const signature = (m: MachineFacts) => `${m.cpuModel}, ${m.cpuFlags} CPU flags, clocksource ${m.clocksource ?? '?'}`;

/** Each environment's machines (distinct signatures), for the environments that recorded any. */
export function machinesByEnv(runs: readonly RunRecord[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const r of runs)
    for (const w of r.workers)
      if (w.machine) out.set(r.env, new Set([...(out.get(r.env) ?? []), signature(w.machine)]));
  return out;
}

/** A sentence when the VM workers did not all run on the same machine; null when they did (or none recorded one). */
export function machineWarning(runs: readonly RunRecord[]): string | null {
  const byEnv = machinesByEnv(runs);
  const all = new Set([...byEnv.values()].flatMap((s) => [...s]));
  if (all.size <= 1) return null;
  const each = [...byEnv].map(([env, s]) => `${env}: ${[...s].join(' / ')}`).join('; ');
  return `VM workers saw different machines (${each}): their ratios include the CPU model, its flags and the clocksource, not only the isolation`;
}
