// Host fitness for an experiment: the facts read in the second before it starts, judged
// against what its workers need; recorded in experiment.json, warnings said once.
import os from 'node:os';
import { type FitnessCheck, judgeFitness } from './fitness.js';
import { readHostFacts } from './fitnessFacts.js';

export interface FitnessInput {
  instances: readonly number[];
  worker: { memoryMiB: number; cpus: number; pinCpus?: boolean };
}

/** The CPUs the workers of the largest run get: consecutive blocks when pinned, else every CPU. */
export function workerCpus(e: FitnessInput, hostCpus = os.availableParallelism()): number[] {
  const largest = Math.max(...e.instances);
  if (!e.worker.pinCpus) return Array.from({ length: hostCpus }, (_, i) => i);
  const per = Math.max(1, Math.ceil(e.worker.cpus));
  return [...new Set(Array.from({ length: largest * per }, (_, i) => i % hostCpus))];
}

export async function hostFitness(e: FitnessInput, root = '/'): Promise<FitnessCheck[]> {
  const facts = await readHostFacts(root);
  return judgeFitness(facts, {
    workerCpus: workerCpus(e),
    workerMemoryBytes: Math.max(...e.instances) * e.worker.memoryMiB * 2 ** 20,
  });
}

/** One line per check: verdict, name, value, and what to change. */
export function formatFitness(checks: readonly FitnessCheck[]): string[] {
  const w = Math.max(...checks.map((c) => c.name.length));
  return checks.map(
    (c) => `${c.verdict.padEnd(7)}  ${c.name.padEnd(w)}  ${c.value}${c.advice ? ` — ${c.advice}` : ''}`,
  );
}
