// Baseline vs candidate: a change with an interval and a verdict per row. Pure.

import { type CellMetrics, defsOf, headlineOf, METRICS, type MetricDefs, worseOf } from '../results/metrics.js';
import { overheadPairs, type Views } from '../results/views.js';
import { mean } from '../stats/basic.js';
import { quantileSorted, ratioOfMeans, seededRandom } from '../stats/bootstrap.js';
import { mannWhitney } from '../stats/tests.js';
import { UsageError } from '../util/errors.js';

export type Verdict = 'regressed' | 'improved' | 'no significant change' | 'not enough data';

export interface CompareRow {
  scope: string; // "docker x2" or "VM/container x2"
  metric: string;
  unit: string;
  baseline: number;
  candidate: number;
  /** relative change candidate/baseline - 1 and its 95% interval */
  change: number;
  ci95: [number, number];
  p: number | null;
  nBaseline: number;
  nCandidate: number;
  verdict: Verdict;
}

export interface Comparison {
  threshold: number;
  metrics: string[];
  rows: CompareRow[];
  regressed: boolean;
}

/** The harness's metrics, each workload's headline, the overhead ratios; a workload's own metrics by name too. */
export const COMPARE_METRICS = [...Object.keys(METRICS), 'headline', 'overhead'];

/** Every metric name `--metric` accepts for these results. */
export function knownMetrics(defs: MetricDefs): string[] {
  return [...new Set([...COMPARE_METRICS, ...Object.values(defs).flatMap((d) => Object.keys(d))])];
}

/** A regression must pass the threshold and have its whole interval on the worse side of zero. */
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

function resampleMean(xs: readonly number[], rand: () => number): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[Math.floor(rand() * xs.length)]!;
  return s / xs.length;
}

/** (mean(a1)/mean(b1)) / (mean(a0)/mean(b0)) - 1 with a bootstrap interval over all four samples. */
function ratioOfRatiosChange(
  a0: number[],
  b0: number[],
  a1: number[],
  b1: number[],
  seed = 1,
): { change: number; ci: [number, number] } {
  const est = mean(a1) / mean(b1) / (mean(a0) / mean(b0)) - 1;
  const rand = seededRandom(seed);
  const reps = 10_000;
  const out = new Array<number>(reps);
  for (let i = 0; i < reps; i++) {
    out[i] = resampleMean(a1, rand) / resampleMean(b1, rand) / (resampleMean(a0, rand) / resampleMean(b0, rand)) - 1;
  }
  out.sort((x, y) => x - y);
  return { change: est, ci: [quantileSorted(out, 0.025), quantileSorted(out, 0.975)] };
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

export function compareResults(
  base: CellMetrics[],
  cand: CellMetrics[],
  metrics: string[],
  threshold: number,
  /** the baseline's recorded views (labels and kinds of its environments) */
  views?: Views,
  /** the metrics each workload declared (the baseline's) */
  defs: MetricDefs = {},
): Comparison {
  const known = knownMetrics(defs);
  for (const m of metrics)
    if (!known.includes(m)) throw new UsageError(`--metric: ${JSON.stringify(m)} is not one of ${known.join(', ')}`);
  const rows: CompareRow[] = [];
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
      if (m === 'overhead' || m === '') continue;
      const def = mine[m];
      if (!def) continue;
      const vb = b.values[m] ?? [];
      const vc = c.values[m] ?? [];
      if (!vb.length || !vc.length) continue;
      const r = ratioOfMeans(vc, vb);
      const enough = vb.length >= 2 && vc.length >= 2;
      const ci: [number, number] = [r.lo - 1, r.hi - 1];
      rows.push({
        scope: scopeOf(b.workload, `${b.env} x${b.instances}`),
        metric: m,
        unit: def.unit,
        baseline: mean(vb),
        candidate: mean(vc),
        change: r.estimate - 1,
        ci95: ci,
        p: mannWhitney(vc, vb).p,
        nBaseline: vb.length,
        nCandidate: vc.length,
        verdict: verdictOf(r.estimate - 1, ci, worseOf(def), threshold, enough),
      });
    }
  }
  for (const w of metrics.includes('overhead') ? [...new Set(base.map((c) => c.workload))] : [])
    for (const n of [...new Set(base.map((c) => c.instances))].sort((x, y) => x - y)) {
      for (const [a, b, pair] of overheadPairs(
        base.map((c) => c.env),
        views,
      )) {
        const a0 = find(base, w, a, n)?.values.makespan ?? [];
        const b0 = find(base, w, b, n)?.values.makespan ?? [];
        const a1 = find(cand, w, a, n)?.values.makespan ?? [];
        const b1 = find(cand, w, b, n)?.values.makespan ?? [];
        if (!a0.length || !b0.length || !a1.length || !b1.length) continue;
        const { change, ci } = ratioOfRatiosChange(a0, b0, a1, b1);
        const enough = [a0, b0, a1, b1].every((x) => x.length >= 2);
        rows.push({
          scope: scopeOf(w, `${pair} x${n}`),
          metric: 'overhead',
          unit: 'ratio of makespans',
          baseline: mean(a0) / mean(b0),
          candidate: mean(a1) / mean(b1),
          change,
          ci95: ci,
          p: null,
          nBaseline: Math.min(a0.length, b0.length),
          nCandidate: Math.min(a1.length, b1.length),
          verdict: verdictOf(change, ci, 'higher', threshold, enough),
        });
      }
    }
  if (rows.length === 0)
    throw new UsageError('baseline and candidate have no workload x environment x instances cell and metric in common');
  return { threshold, metrics, rows, regressed: rows.some((r) => r.verdict === 'regressed') };
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
