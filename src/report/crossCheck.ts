// Two samplers watching the same worker, side by side: the report's check that they agree. Pure.
import { workerSourceOf } from '../results/metrics.js';
import type { RunRecord, SampleRecord } from '../results/types.js';
import type { Views } from '../results/views.js';

export interface CrossCheckRow {
  run: string;
  env: string;
  instances: number;
  /** mean CPU (user + system, % of allocation) over the workers' samples from the barrier to the makespan */
  a: { source: string; meanPct: number; n: number };
  b: { source: string; meanPct: number; n: number };
  /** b − a in percentage points */
  diffPts: number;
}

/**
 * Per measured ok run that has both sources: each one's mean CPU over the same window.
 * A sample covers the interval since the previous one of its source, so the window runs
 * from the first sample of the sparser source `b` after the barrier to its last one up to
 * the makespan, and both means take the samples that end inside it, per worker.
 */
export function sourceCrossCheck(
  runs: readonly RunRecord[],
  samples: readonly SampleRecord[],
  a: SampleRecord['source'],
  b: SampleRecord['source'],
): CrossCheckRow[] {
  const ok = new Map(runs.filter((r) => !r.warmup && r.status === 'ok' && r.makespanS !== null).map((r) => [r.run, r]));
  const byWorker = new Map<string, { run: RunRecord; a: SampleRecord[]; b: SampleRecord[] }>();
  for (const s of samples) {
    const run = ok.get(s.run);
    if (!run || (s.source !== a && s.source !== b)) continue;
    const key = `${s.run}\0${s.worker}`;
    const w = byWorker.get(key) ?? { run, a: [], b: [] };
    (s.source === a ? w.a : w.b).push(s);
    byWorker.set(key, w);
  }
  const sums = new Map<string, { a: [number, number]; b: [number, number] }>();
  for (const w of byWorker.values()) {
    const inRun = w.b.filter((s) => s.t >= 0 && s.t <= w.run.makespanS!).sort((x, y) => x.t - y.t);
    if (inRun.length < 2) continue;
    const from = inRun[0]!.t;
    const to = inRun.at(-1)!.t;
    const acc = sums.get(w.run.run) ?? { a: [0, 0], b: [0, 0] };
    for (const [side, list] of [
      [acc.a, w.a],
      [acc.b, inRun],
    ] as const) {
      for (const s of list) {
        if (s.t <= from || s.t > to) continue;
        side[0] += s.user + s.system;
        side[1]++;
      }
    }
    sums.set(w.run.run, acc);
  }
  const rows: CrossCheckRow[] = [];
  for (const [name, acc] of sums) {
    if (acc.a[1] === 0 || acc.b[1] === 0) continue;
    const run = ok.get(name)!;
    rows.push(crossCheckRow(run, [a, ...acc.a], [b, ...acc.b]));
  }
  return rows.sort((x, y) => x.run.localeCompare(y.run));
}

/** One run's row from each source's CPU sum and sample count over the window. */
export function crossCheckRow(
  run: Pick<RunRecord, 'run' | 'env' | 'instances'>,
  [a, sumA, nA]: [string, number, number],
  [b, sumB, nB]: [string, number, number],
): CrossCheckRow {
  const ma = sumA / nA;
  const mb = sumB / nB;
  return {
    run: run.run,
    env: run.env,
    instances: run.instances,
    a: { source: a, meanPct: ma, n: nA },
    b: { source: b, meanPct: mb, n: nB },
    diffPts: mb - ma,
  };
}

/** "docker = cgroup, qemu = guest, …": which source the worker-view figures show per environment. */
export function figureSources(runs: readonly RunRecord[], views?: Views): string {
  const byEnv = new Map<string, Set<string>>();
  for (const r of runs) {
    const src = workerSourceOf(r, views);
    if (!src) continue;
    if (!byEnv.has(r.env)) byEnv.set(r.env, new Set());
    byEnv.get(r.env)!.add(src);
  }
  return [...byEnv].map(([env, s]) => `${env} = ${[...s].join(' / ')}`).join(', ');
}
