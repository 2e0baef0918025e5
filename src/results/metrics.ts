// Per-run metrics and their per-cell statistics with intervals: what summary.json
// holds and what `versus compare` gates on. Pure functions.
import { describe, extent } from '../stats/basic.js';
import { type IntervalMethod, meanInterval, medianInterval } from '../stats/intervals.js';
import { mdeOfSample } from '../stats/mde.js';
import { madOutliers } from '../stats/tests.js';
import { type BlockValues, type PairedRatio, ratioEstimates } from './pairing.js';
import { type StatsByRun, statsOf } from './sampleStats.js';
import type { MetricDecl, RunRecord, WorkloadMeta } from './types.js';
import { comparableMemory, overheadPairs, type Views, workerSourceOf } from './views.js';

export { comparableMemory, workerSourceOf };

/** A metric with its name: the one declaration shape (MetricDecl) wherever it is used. */
export type MetricDef = MetricDecl & { name: string; description: string };

/** Which direction of a metric is worse. */
export function worseOf(d: Pick<MetricDecl, 'better'>): 'higher' | 'lower' {
  return d.better === 'higher' ? 'lower' : 'higher';
}

/** What the harness measures of every run, whatever the workload. */
export const METRICS: Record<string, MetricDef> = {
  makespan: { name: 'makespan', unit: 's', better: 'lower', description: 'barrier to the last worker result' },
  cpu: {
    name: 'cpu',
    unit: '% of allocation',
    better: 'lower',
    description: "mean CPU of the workers' own view while running: the mean over a cell's runs of each run's mean",
  },
  cpuPeak: { name: 'cpuPeak', unit: '% of allocation', better: 'lower', description: 'peak CPU of a worker sample' },
  memory: {
    name: 'memory',
    unit: 'bytes',
    better: 'lower',
    description: "peak PSS of a worker's workload processes (older results: the view's used memory)",
  },
  ready: { name: 'ready', unit: 's', better: 'lower', description: 'start to ready (VM boot to SSH)' },
};

export type RunMetrics = Record<string, number | null>;

/** Per workload id: the harness's metrics, then the workload's own as its manifest declared them. */
export type MetricDefs = Record<string, Record<string, MetricDef>>;

export function metricDefs(workloads: readonly WorkloadMeta[]): MetricDefs {
  const out: MetricDefs = {};
  for (const w of workloads) {
    const own = Object.entries(w.metrics)
      .filter(([name]) => !METRICS[name])
      .map(([name, m]): [string, MetricDef] => [
        name,
        {
          name,
          unit: m.unit,
          better: m.better,
          description: m.description ?? name,
          ...(w.headline === name ? { headline: true } : {}),
        },
      ]);
    out[w.id] = { ...METRICS, ...Object.fromEntries(own) };
  }
  return out;
}

/** The run's workload id: results before suites have none (''). */
export function workloadOf(run: { workload?: string }): string {
  return run.workload ?? '';
}

/** The metric definitions of a run's workload; the harness's alone when the results declare none. */
export function defsOf(defs: MetricDefs, workload: string): Record<string, MetricDef> {
  return defs[workload] ?? (Object.keys(defs).length === 1 ? Object.values(defs)[0]! : METRICS);
}

/** The workload's headline metric (e.g. throughput), or null. */
export function headlineOf(defs: Record<string, MetricDef>): MetricDef | null {
  return Object.values(defs).find((d) => d.headline) ?? null;
}

/** A workload metric of one run: the mean over the workers that reported it, or null. */
export function workerMean(run: Pick<RunRecord, 'workers'>, name: string): number | null {
  const xs = run.workers.map((w) => w.metrics?.[name]).filter((x): x is number => Number.isFinite(x));
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

/** Every metric of one run from its record and its samples' statistics (per source). */
export function runMetrics(run: RunRecord, stats: StatsByRun, defs: Record<string, MetricDef> = METRICS): RunMetrics {
  const own = statsOf(stats, run.run, workerSourceOf(run));
  const boots = run.workers.map((w) => w.bootS).filter((x): x is number => x !== null);
  // the workload's metrics: the mean over the run's workers
  const mine: RunMetrics = {};
  for (const name of Object.keys(defs)) {
    if (METRICS[name]) continue;
    mine[name] = workerMean(run, name);
  }
  return {
    ...mine,
    makespan: run.makespanS,
    cpu: own?.cpuN ? own.cpuSum / own.cpuN : null,
    cpuPeak: own?.cpuMax ?? null,
    memory: own?.memMax ?? null,
    ready: boots.length ? extent(boots)[1] : run.provisionS,
  };
}

export interface MetricStat {
  n: number;
  mean: number;
  median: number;
  stdev: number;
  cv: number;
  min: number;
  max: number;
  /** the mean's 95% interval (log-t for positive values, else t; docs/statistics.md); [mean, mean] below 2 runs */
  ci95: [number, number];
  ciMethod: IntervalMethod;
  /** the median's distribution-free 95% interval from order statistics; null below 6 runs (none reaches 95%) */
  medianCi95: [number, number] | null;
  /** the smallest relative change a comparison with a run like this one detects (80% power, 5% two-sided); null below 2 runs */
  mde: number | null;
  outliers: string[]; // runs flagged by the MAD rule
}

export interface CellMetrics {
  workload: string;
  env: string;
  instances: number;
  ok: number;
  failed: number;
  runs: string[];
  values: Record<string, number[]>;
  /** the repetition (block) of each value in `values`, in the same order: what pairs runs */
  blocks: Record<string, number[]>;
  metrics: Record<string, MetricStat | null>;
}

export function metricStat(values: readonly number[], runNames: readonly string[]): MetricStat | null {
  if (values.length === 0) return null;
  const d = describe(values);
  const ci = meanInterval(values);
  const flags = madOutliers(values);
  return {
    n: d.n,
    mean: d.mean,
    median: d.median,
    stdev: d.stdev,
    cv: d.cv,
    min: d.min,
    max: d.max,
    ci95: [ci.lo, ci.hi],
    ciMethod: ci.method,
    medianCi95: medianInterval(values),
    mde: mdeOfSample(values),
    outliers: runNames.filter((_, i) => flags[i]),
  };
}

/** Per workload x env x instances: each metric's values over the measured ok runs, with statistics. */
export function cellMetrics(runs: readonly RunRecord[], stats: StatsByRun, defs: MetricDefs = {}): CellMetrics[] {
  const out: CellMetrics[] = [];
  for (const group of measuredCells(runs).values()) {
    const ok = group.filter((r) => r.status === 'ok');
    const workload = workloadOf(group[0]!);
    const mine = defsOf(defs, workload);
    const per = ok.map((r) => ({ run: r.run, rep: r.repetition, m: runMetrics(r, stats, mine) }));
    const values: Record<string, number[]> = {};
    const blocks: Record<string, number[]> = {};
    const metrics: Record<string, MetricStat | null> = {};
    for (const key of Object.keys(mine)) {
      const rows = per.filter((p) => p.m[key] !== null && Number.isFinite(p.m[key]!));
      values[key] = rows.map((p) => p.m[key]!);
      blocks[key] = rows.map((p) => p.rep);
      metrics[key] = metricStat(
        values[key]!,
        rows.map((p) => p.run),
      );
    }
    out.push({
      workload,
      env: group[0]!.env,
      instances: group[0]!.instances,
      ok: ok.length,
      failed: group.length - ok.length,
      runs: ok.map((r) => r.run),
      values,
      blocks,
      metrics,
    });
  }
  return out;
}

export interface OverheadRatio {
  workload: string;
  pair: string;
  instances: number;
  metric: string;
  /** mean(a)/mean(b) over every run, unpaired, and its 95% interval */
  ratio: number;
  ci95: [number, number];
  /** the smallest change of the unpaired ratio a like experiment would detect */
  mde: number | null;
  /** per repetition block: the geometric mean of the blocks' ratios (null below 2 pairs) */
  paired: PairedRatio | null;
}

export interface RatioRowOf {
  pair: string;
  instances: number;
  /** unpaired: mean(a)/mean(b) and its interval */
  ratio: number;
  lo: number;
  hi: number;
  mde: number | null;
  paired: PairedRatio | null;
}

/** Both estimates (unpaired ratio of means, paired by block) for every overhead pair with values on both sides. */
export function pairRatios(
  cells: readonly { env: string; instances: number }[],
  values: (env: string, instances: number) => BlockValues,
  views?: Views,
): RatioRowOf[] {
  const out: RatioRowOf[] = [];
  const pairs = overheadPairs(
    cells.map((c) => c.env),
    views,
  );
  for (const n of [...new Set(cells.map((c) => c.instances))].sort((a, b) => a - b)) {
    for (const [a, b, pair] of pairs) {
      const va = values(a, n);
      const vb = values(b, n);
      if (!va.values.length || !vb.values.length) continue;
      const r = ratioEstimates(va, vb, [`${a} x${n}`, `${b} x${n}`]);
      out.push({
        pair,
        instances: n,
        ratio: r.unpaired.estimate,
        lo: r.unpaired.lo,
        hi: r.unpaired.hi,
        mde: r.unpairedMde,
        paired: r.paired,
      });
    }
  }
  return out;
}

/** Ratios of a metric between environments, per workload and instance count: unpaired and paired by block. */
export function overheadRatios(cells: readonly CellMetrics[], metric = 'makespan', views?: Views): OverheadRatio[] {
  const out: OverheadRatio[] = [];
  for (const workload of [...new Set(cells.map((c) => c.workload))]) {
    const mine = cells.filter((c) => c.workload === workload);
    const values = (env: string, n: number): BlockValues => {
      const cell = mine.find((c) => c.env === env && c.instances === n);
      return { values: cell?.values[metric] ?? [], blocks: cell?.blocks[metric] ?? [] };
    };
    for (const { pair, instances, ratio, lo, hi, mde, paired } of pairRatios(mine, values, views))
      out.push({ workload, pair, instances, metric, ratio, ci95: [lo, hi], mde, paired });
  }
  return out;
}

/** Measured runs (warm-ups excluded) grouped per workload x environment x instances, in first-seen order. */
export function measuredCells(runs: readonly RunRecord[]): Map<string, RunRecord[]> {
  const cells = new Map<string, RunRecord[]>();
  for (const r of runs) {
    if (r.warmup) continue;
    const key = cellKey({ workload: workloadOf(r), env: r.env, instances: r.instances });
    if (!cells.has(key)) cells.set(key, []);
    cells.get(key)!.push(r);
  }
  return cells;
}

/** The key of a cell in measuredCells. */
export function cellKey(c: { workload: string; env: string; instances: number }): string {
  return `${c.workload}\0${c.env}\0${c.instances}`;
}
