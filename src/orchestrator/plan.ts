import type { Experiment } from '../config/schema.js';
import { meanIntervalHalfWidthPct } from '../stats/intervals.js';
import { mdeOfSample } from '../stats/mde.js';
import { mulberry32 } from '../stats/random.js';

export interface PlannedRun {
  index: number;
  /** the workload entry's id; null in an experiment of one workload (run names stay short) */
  workload: string | null;
  env: string;
  instances: number;
  repetition: number; // warm-ups: -warmup .. -1
  warmup: boolean;
}

function shuffled<T>(items: readonly T[], rand: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

type PlanInput = Pick<Experiment, 'environments' | 'instances' | 'repetitions' | 'warmup' | 'seed'> & {
  workloads?: readonly { id: string }[];
};

/** The workload ids of a plan: null when there is one, so names and cells stay as before suites. */
function workloadIds(e: { workloads?: readonly { id: string }[] }): (string | null)[] {
  const ids = (e.workloads ?? []).map((w) => w.id);
  return ids.length > 1 ? ids : [null];
}

/**
 * The matrix workload x env x instances x repetitions, warm-ups first. Within
 * every round the workload x environment pairs come in a seeded random order, so
 * drift on the host (thermal, page cache, a neighbour) spreads over all of them
 * instead of one.
 */
export function planRuns(e: PlanInput): PlannedRun[] {
  const rand = mulberry32(e.seed);
  const runs: PlannedRun[] = [];
  const ids = workloadIds(e);
  for (let rep = -e.warmup; rep < e.repetitions; rep++) {
    for (const instances of e.instances) {
      const pairs = ids.flatMap((workload) => e.environments.map((env) => ({ workload, env })));
      // one workload keeps the old order exactly (same seed, same plan)
      const order =
        ids.length > 1 ? shuffled(pairs, rand) : shuffled(e.environments, rand).map((env) => ({ workload: null, env }));
      for (const { workload, env } of order) {
        runs.push({ index: runs.length, workload, env, instances, repetition: rep, warmup: rep < 0 });
      }
    }
  }
  return runs;
}

/** Where a cell stands against the adaptive stopping rule. */
export interface CellPrecision {
  workload: string | null;
  env: string;
  instances: number;
  /** measured runs so far, failed ones included */
  attempted: number;
  ok: number;
  halfWidthPct: number | null;
  /** the smallest change of the mean a like run could detect, % */
  mdePct: number | null;
  met: boolean;
}

/** Every cell's precision from the measured runs so far. Pure. */
export function cellPrecision(
  e: Pick<Experiment, 'environments' | 'instances' | 'adaptive'> & { workloads?: readonly { id: string }[] },
  measured: readonly {
    workload?: string | null;
    env: string;
    instances: number;
    makespanS: number | null;
    ok: boolean;
  }[],
): CellPrecision[] {
  const targetCi = e.adaptive?.targetCiPct ?? Number.POSITIVE_INFINITY;
  const targetMde = e.adaptive?.targetMdePct ?? Number.POSITIVE_INFINITY;
  const out: CellPrecision[] = [];
  for (const workload of workloadIds(e))
    for (const instances of e.instances) {
      for (const env of e.environments) {
        const mine = measured.filter(
          (r) => (r.workload ?? null) === workload && r.env === env && r.instances === instances,
        );
        const values = mine.filter((r) => r.ok && r.makespanS !== null).map((r) => r.makespanS!);
        const halfWidthPct = meanIntervalHalfWidthPct(values);
        const mde = mdeOfSample(values);
        const mdePct = mde === null ? null : 100 * mde;
        out.push({
          workload,
          env,
          instances,
          attempted: mine.length,
          ok: values.length,
          halfWidthPct,
          mdePct,
          met:
            (targetCi === Number.POSITIVE_INFINITY || (halfWidthPct !== null && halfWidthPct <= targetCi)) &&
            (targetMde === Number.POSITIVE_INFINITY || (mdePct !== null && mdePct <= targetMde)),
        });
      }
    }
  return out;
}

/**
 * One more round for the cells still wider than the target and under the cap,
 * environments in a seeded order as in planRuns; empty when every cell is done.
 */
export function adaptiveRound(
  e: Pick<Experiment, 'repetitions' | 'seed' | 'adaptive' | 'instances'>,
  cells: readonly CellPrecision[],
  nextIndex: number,
  round: number,
): PlannedRun[] {
  if (!e.adaptive) return [];
  const cap = Math.max(e.adaptive.maxRepetitions, e.repetitions);
  const rand = mulberry32((e.seed + 7919 * round) >>> 0);
  const runs: PlannedRun[] = [];
  for (const instances of e.instances) {
    const due = cells.filter((c) => c.instances === instances && !c.met && c.attempted < cap);
    for (const c of shuffled(due, rand)) {
      runs.push({
        index: nextIndex + runs.length,
        workload: c.workload,
        env: c.env,
        instances,
        repetition: c.attempted,
        warmup: false,
      });
    }
  }
  return runs;
}

/** Host CPUs for worker `index` when pinning: consecutive blocks, wrapping around. */
export function cpusetFor(index: number, cpusPerWorker: number, hostCpus: number): number[] {
  const n = Math.max(1, Math.ceil(cpusPerWorker));
  return Array.from({ length: Math.min(n, hostCpus) }, (_, k) => (index * n + k) % hostCpus);
}

/** The CPUs the workers of an experiment's largest run get: their cpusets when pinned, else every CPU. */
export function workerCpusOf(
  e: { instances: readonly number[]; worker: { cpus: number; pinCpus?: boolean } },
  hostCpus: number,
): number[] {
  if (!e.worker.pinCpus) return Array.from({ length: hostCpus }, (_, i) => i);
  const workers = Array.from({ length: Math.max(...e.instances) }, (_, i) => cpusetFor(i, e.worker.cpus, hostCpus));
  return [...new Set(workers.flat())].sort((a, b) => a - b);
}

export function runName(r: Omit<PlannedRun, 'workload'> & { workload?: string | null }): string {
  const rep = r.warmup ? `w${-r.repetition}` : `r${r.repetition + 1}`;
  const workload = r.workload ? `${r.workload.replace(/[^\w.-]/g, '_')}-` : '';
  return `${String(r.index + 1).padStart(3, '0')}-${workload}${r.env}-x${r.instances}-${rep}`;
}
