// Baseline vs candidate: a change with an interval and a verdict per row. Pure.

import { type CellMetrics, defsOf, headlineOf, METRICS, type MetricDefs, worseOf } from '../results/metrics.js';
import { overheadPairs, type Views } from '../results/views.js';
import type { Interval } from '../stats/intervals.js';
import { mannWhitney } from '../stats/tests.js';
import { UsageError } from '../util/errors.js';
import { type Change, metricChange, overheadChange, ownInterval } from './changes.js';

export type Verdict = 'regressed' | 'improved' | 'no significant change' | 'not enough data';

export interface CompareRow {
  scope: string; // "docker x2" or "VM/container x2"
  metric: string;
  unit: string;
  baseline: number;
  candidate: number;
  /** the candidate's own 95% interval (its mean, or its paired ratio); null below 2 runs */
  candidateCi95: [number, number] | null;
  /** which direction of the metric is worse */
  worse: 'higher' | 'lower';
  /** relative change candidate/baseline - 1 and its 95% interval */
  change: number;
  ci95: [number, number];
  /** the interval the verdict is taken on: at the gate's level (Comparison.gateLevel) */
  gateCi: [number, number];
  /** how the interval was made: log-t (unpaired), paired log-t (overhead ratios over blocks) */
  method: Interval['method'];
  p: number | null;
  nBaseline: number;
  nCandidate: number;
  /** the smallest change this comparison could detect (80% power, 5% two-sided); null where unknown */
  mde: number | null;
  verdict: Verdict;
}

export interface Comparison {
  threshold: number;
  /** the family-wise false-positive rate the gate holds over its rows */
  falsePositive: number;
  /** the level of every row's gate interval: 1 − 2 × falsePositive / rows (Bonferroni, one-sided) */
  gateLevel: number;
  metrics: string[];
  rows: CompareRow[];
  regressed: boolean;
  /** rows that passed without the power to fail (their detectable change is above the threshold), one sentence each */
  blind: string[];
}

/** The harness's metrics, each workload's headline, the overhead ratios; a workload's own metrics by name too. */
export const COMPARE_METRICS = [...Object.keys(METRICS), 'headline', 'overhead'];

/** Every metric name `--metric` accepts for these results. */
export function knownMetrics(defs: MetricDefs): string[] {
  return [...new Set([...COMPARE_METRICS, ...Object.values(defs).flatMap((d) => Object.keys(d))])];
}

/** A regression must pass the threshold and have its whole gate interval on the worse side of zero. */
export function verdictOf(
  change: number,
  ci: [number, number],
  worse: 'higher' | 'lower',
  threshold: number,
  enough: boolean,
): Verdict {
  if (!enough) return 'not enough data';
  const sign = worse === 'higher' ? 1 : -1;
  const c = change * sign;
  const [lo, hi] = sign > 0 ? ci : [-ci[1], -ci[0]];
  if (c > threshold && lo > 0) return 'regressed';
  if (c < -threshold && hi < 0) return 'improved';
  return 'no significant change';
}

/**
 * Results from before suites carry no workload id (''): against results of exactly one
 * workload they are that workload, so an old baseline still gates a new candidate. Pure.
 */
export function alignLegacyWorkloads(base: CellMetrics[], cand: CellMetrics[]): [CellMetrics[], CellMetrics[]] {
  const ids = (cells: CellMetrics[]) => [...new Set(cells.map((c) => c.workload))];
  const [b, c] = [ids(base), ids(cand)];
  const rename = (cells: CellMetrics[], to: string) => cells.map((x) => ({ ...x, workload: to }));
  if (b.length === 1 && b[0] === '' && c.length === 1) return [rename(base, c[0]!), cand];
  if (c.length === 1 && c[0] === '' && b.length === 1) return [base, rename(cand, b[0]!)];
  return [base, cand];
}

/** The gate's default: the share of A/A comparisons (no change at all) it may call regressed. */
export const DEFAULT_FALSE_POSITIVE = 0.01;

interface Pending {
  row: Omit<CompareRow, 'verdict' | 'gateCi'>;
  change: Change;
  enough: boolean;
}

export function compareResults(
  base: CellMetrics[],
  cand: CellMetrics[],
  metrics: string[],
  threshold: number,
  /** the baseline's recorded views (labels and kinds of its environments) */
  views?: Views,
  /** the metrics each workload declared (the baseline's) */
  defs: MetricDefs = {},
  /** the family-wise false-positive rate the gate holds over all its rows */
  falsePositive = DEFAULT_FALSE_POSITIVE,
): Comparison {
  const known = knownMetrics(defs);
  for (const m of metrics)
    if (!known.includes(m)) throw new UsageError(`--metric: ${JSON.stringify(m)} is not one of ${known.join(', ')}`);
  const pending: Pending[] = [];
  const add = (
    scope: string,
    metric: string,
    unit: string,
    worse: 'higher' | 'lower',
    change: Change,
    p: number | null,
  ) => {
    const shown = change.at(0.95);
    pending.push({
      change,
      enough: change.n0 >= 2 && change.n1 >= 2,
      row: {
        scope,
        metric,
        unit,
        baseline: change.before,
        candidate: change.after,
        candidateCi95: ownInterval(change.afterInterval),
        worse,
        change: shown.estimate - 1,
        ci95: [shown.lo - 1, shown.hi - 1],
        method: shown.method,
        p,
        nBaseline: change.n0,
        nCandidate: change.n1,
        mde: change.mde,
      },
    });
  };
  const find = (set: CellMetrics[], workload: string, env: string, n: number) =>
    set.find((c) => c.workload === workload && c.env === env && c.instances === n);
  // a suite's rows name their workload; one workload's rows read as before suites
  const several = new Set(base.map((c) => c.workload)).size > 1;
  const scopeOf = (workload: string, what: string) => (several && workload ? `${workload}: ${what}` : what);
  for (const b of base) {
    const c = find(cand, b.workload, b.env, b.instances);
    if (!c) continue;
    const mine = defsOf(defs, b.workload);
    const names = metrics.flatMap((m) => (m === 'headline' ? [headlineOf(mine)?.name ?? ''] : [m]));
    for (const m of [...new Set(names)]) {
      const def = m === 'overhead' ? undefined : mine[m];
      const [vb, vc] = [b.values[m] ?? [], c.values[m] ?? []];
      if (!def || !vb.length || !vc.length) continue;
      add(
        scopeOf(b.workload, `${b.env} x${b.instances}`),
        m,
        def.unit,
        worseOf(def),
        metricChange(vb, vc),
        mannWhitney(vc, vb).p,
      );
    }
  }
  for (const w of metrics.includes('overhead') ? [...new Set(base.map((c) => c.workload))] : [])
    for (const n of [...new Set(base.map((c) => c.instances))].sort((x, y) => x - y))
      for (const [a, b, pair] of overheadPairs(
        base.map((c) => c.env),
        views,
      )) {
        const cells = [find(base, w, a, n), find(base, w, b, n), find(cand, w, a, n), find(cand, w, b, n)];
        if (cells.some((c) => !c?.values.makespan?.length)) continue;
        const [ca0, cb0, ca1, cb1] = cells as [CellMetrics, CellMetrics, CellMetrics, CellMetrics];
        const change = overheadChange([ca0, cb0], [ca1, cb1]);
        const paired = change.at(0.95).method === 'paired log-t';
        add(
          scopeOf(w, `${pair} x${n}`),
          'overhead',
          paired ? 'makespan ratio, paired by block' : 'ratio of makespans',
          'higher',
          change,
          null,
        );
      }
  if (pending.length === 0)
    throw new UsageError('baseline and candidate have no workload x environment x instances cell and metric in common');
  // Bonferroni over the rows that can regress: each one-sided at falsePositive / m
  const m = Math.max(1, pending.filter((x) => x.enough).length);
  const gateLevel = 1 - (2 * falsePositive) / m;
  const rows: CompareRow[] = pending.map(({ row, change, enough }) => {
    const g = change.at(gateLevel);
    const gateCi: [number, number] = [g.lo - 1, g.hi - 1];
    return { ...row, gateCi, verdict: verdictOf(row.change, gateCi, row.worse, threshold, enough) };
  });
  const comparison = {
    threshold,
    metrics,
    falsePositive,
    gateLevel,
    rows,
    regressed: rows.some((r) => r.verdict === 'regressed'),
  };
  return { ...comparison, blind: blindRows(comparison) };
}

/**
 * A percentage flag, as every percentage flag reads it: 5 and 5% both mean 5 percent
 * (as --target-ci); returned as a fraction. Over 100% is refused: a gate that never shuts.
 */
export function parseThreshold(text: string, flag = '--threshold'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(text);
  if (!m) throw new UsageError(`${flag}: expected a percentage like 5 or 5%, got ${JSON.stringify(text)}`);
  const pct = Number(m[1]);
  if (pct > 100) throw new UsageError(`${flag}: ${text} is over 100%: no change could pass it`);
  return pct / 100;
}

/**
 * The rows that passed without the power to fail: no significant change, but the smallest
 * change they could detect is above the threshold. One sentence each, for every format.
 */
export function blindRows(c: Pick<Comparison, 'rows' | 'threshold'>): string[] {
  return c.rows
    .filter((r) => r.verdict === 'no significant change' && r.mde !== null && r.mde > c.threshold)
    .map(
      (r) =>
        `${r.scope} ${r.metric}: this comparison could not have seen a change under ${(100 * r.mde!).toFixed(0)}% (${r.nBaseline} vs ${r.nCandidate} runs)`,
    );
}
