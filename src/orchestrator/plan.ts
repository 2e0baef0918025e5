import type { EnvironmentName, Experiment } from '../config/schema.js';
import { mulberry32 } from '../stats/bootstrap.js';

export interface PlannedRun {
  index: number;
  env: EnvironmentName;
  instances: number;
  repetition: number; // warm-ups: -warmup .. -1
  warmup: boolean;
}

/**
 * The matrix env x instances x repetitions, warm-ups first. Within every round
 * the environments come in a seeded random order, so drift on the host (thermal,
 * page cache, a neighbour) spreads over all environments instead of one.
 */
export function planRuns(
  e: Pick<Experiment, 'environments' | 'instances' | 'repetitions' | 'warmup' | 'seed'>,
): PlannedRun[] {
  const rand = mulberry32(e.seed);
  const runs: PlannedRun[] = [];
  for (let rep = -e.warmup; rep < e.repetitions; rep++) {
    for (const instances of e.instances) {
      const envs = [...e.environments];
      for (let i = envs.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [envs[i], envs[j]] = [envs[j]!, envs[i]!];
      }
      for (const env of envs) runs.push({ index: runs.length, env, instances, repetition: rep, warmup: rep < 0 });
    }
  }
  return runs;
}

/** Host CPUs for worker `index` when pinning: consecutive blocks, wrapping around. */
export function cpusetFor(index: number, cpusPerWorker: number, hostCpus: number): number[] {
  const n = Math.max(1, Math.ceil(cpusPerWorker));
  return Array.from({ length: Math.min(n, hostCpus) }, (_, k) => (index * n + k) % hostCpus);
}

export function runName(r: PlannedRun): string {
  const rep = r.warmup ? `w${-r.repetition}` : `r${r.repetition + 1}`;
  return `${String(r.index + 1).padStart(3, '0')}-${r.env}-x${r.instances}-${rep}`;
}
