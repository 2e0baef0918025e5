// Baseline vs candidate: a change with an interval and a verdict per row. Pure.

import { type CellMetrics, defsOf, headlineOf, METRICS, type MetricDefs, worseOf } from '../results/metrics.js';
import { geometricMean, pairByBlock } from '../results/pairing.js';
import { overheadPairs, type Views } from '../results/views.js';
import { mean, stdev } from '../stats/basic.js';
import {
  type Interval,
  meanInterval,
  pairedChangeInterval,
  pairedRatioInterval,
  ratioInterval,
  ratioOfRatiosInterval,
} from '../stats/intervals.js';
import { mdeTwoSample, pooledLogSd } from '../stats/mde.js';
import { mannWhitney } from '../stats/tests.js';
import { UsageError } from '../util/errors.js';

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

const ownInterval = (i: Interval): [number, number] | null => (i.method === 'none' ? null : [i.lo, i.hi]);

/**
 * How an overhead ratio changed: paired by block on both sides when each pairs 2 or more
 * blocks (the blocks' log ratios, Welch), else the four samples unpaired.
 */
function overheadChange(
  base: readonly [CellMetrics, CellMetrics],
  cand: readonly [CellMetrics, CellMetrics],
): {
  interval: Interval;
  n0: number;
  n1: number;
  mde: number | null;
  before: number;
  after: number;
  afterInterval: Interval;
} {
  const blockValues = (c: CellMetrics) => ({ values: c.values.makespan ?? [], blocks: c.blocks?.makespan ?? [] });
  const pairs = (cells: readonly [CellMetrics, CellMetrics]) =>
    cells[0].blocks
      ? pairByBlock(blockValues(cells[0]), blockValues(cells[1]), [cells[0].env, cells[1].env]).ratios
      : [];
  const [r0, r1] = [pairs(base), pairs(cand)];
  if (r0.length >= 2 && r1.length >= 2) {
    const sd = pooledLogSd(r0, r1);
    return {
      interval: pairedChangeInterval(r0, r1),
      before: geometricMean(r0),
      after: geometricMean(r1),
      afterInterval: pairedRatioInterval(r1),
      n0: r0.length,
      n1: r1.length,
      mde: sd === null ? null : mdeTwoSample(sd, r0.length, r1.length),
    };
  }
  const [a0, b0] = base.map((c) => c.values.makespan ?? []) as [number[], number[]];
  const [a1, b1] = cand.map((c) => c.values.makespan ?? []) as [number[], number[]];
  const sd = (xs: number[]) => (xs.length > 1 && xs.every((x) => x > 0) ? stdev(xs.map(Math.log)) : null);
  const sds = [a0, b0, a1, b1].map(sd);
  const n = Math.min(a0.length, b0.length, a1.length, b1.length);
  // each side's log ratio carries both cells' noise: sqrt(sdA² + sdB²) per block-sized sample
  const noise = sds.every((x) => x !== null) ? Math.sqrt((sds as number[]).reduce((s, x) => s + x * x, 0) / 2) : null;
  return {
    interval: ratioOfRatiosInterval(a0, b0, a1, b1),
    before: mean(a0) / mean(b0),
    after: mean(a1) / mean(b1),
    afterInterval: ratioInterval(a1, b1),
    n0: Math.min(a0.length, b0.length),
    n1: Math.min(a1.length, b1.length),
    mde: noise === null ? null : mdeTwoSample(noise, n),
  };
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
      const r = ratioInterval(vc, vb);
      const enough = vb.length >= 2 && vc.length >= 2;
      const ci: [number, number] = [r.lo - 1, r.hi - 1];
      const sdLog = pooledLogSd(vb, vc);
      rows.push({
        scope: scopeOf(b.workload, `${b.env} x${b.instances}`),
        metric: m,
        unit: def.unit,
        baseline: mean(vb),
        candidate: mean(vc),
        candidateCi95: ownInterval(meanInterval(vc)),
        worse: worseOf(def),
        change: r.estimate - 1,
        ci95: ci,
        method: r.method,
        p: mannWhitney(vc, vb).p,
        nBaseline: vb.length,
        nCandidate: vc.length,
        mde: sdLog === null ? null : mdeTwoSample(sdLog, vb.length, vc.length),
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
        const cells = [find(base, w, a, n), find(base, w, b, n), find(cand, w, a, n), find(cand, w, b, n)];
        if (cells.some((c) => !c?.values.makespan?.length)) continue;
        const [ca0, cb0, ca1, cb1] = cells as [CellMetrics, CellMetrics, CellMetrics, CellMetrics];
        const { interval, n0, n1, mde, before, after, afterInterval } = overheadChange([ca0, cb0], [ca1, cb1]);
        const change = interval.estimate - 1;
        const ci: [number, number] = [interval.lo - 1, interval.hi - 1];
        const enough = n0 >= 2 && n1 >= 2;
        rows.push({
          scope: scopeOf(w, `${pair} x${n}`),
          metric: 'overhead',
          unit: interval.method === 'paired log-t' ? 'makespan ratio, paired by block' : 'ratio of makespans',
          baseline: before,
          candidate: after,
          candidateCi95: ownInterval(afterInterval),
          worse: 'higher',
          change,
          ci95: ci,
          method: interval.method,
          p: null,
          nBaseline: n0,
          nCandidate: n1,
          mde,
          verdict: verdictOf(change, ci, 'higher', threshold, enough),
        });
      }
    }
  if (rows.length === 0)
    throw new UsageError('baseline and candidate have no workload x environment x instances cell and metric in common');
  const comparison = { threshold, metrics, rows, regressed: rows.some((r) => r.verdict === 'regressed'), blind: [] };
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
