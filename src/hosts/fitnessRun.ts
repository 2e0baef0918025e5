// Host fitness for an experiment: the facts read in the half second before it starts, judged
// against what its workers need; recorded in experiment.json, warnings said once.
import { type FitnessCheck, judgeFitness } from './fitness.js';
import { readHostFacts } from './fitnessFacts.js';

export interface FitnessInput {
  instances: readonly number[];
  worker: { memoryMiB: number };
}

/** The checks against what the experiment's workers need: `workerCpus` are the CPUs its largest run gets. */
export async function hostFitness(e: FitnessInput, workerCpus: readonly number[], root = '/'): Promise<FitnessCheck[]> {
  const facts = await readHostFacts(root);
  return judgeFitness(facts, {
    workerCpus,
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
