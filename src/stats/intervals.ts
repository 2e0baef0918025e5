// 95% intervals that cover what they claim at 3 runs as at 20: Student-t intervals on the
// log scale (Cox's method for the mean of log-normal data) for positive values, plain t
// intervals otherwise. A percentile bootstrap of 3 values is their range and covers the
// mean about 75% of the time; these cover 94-96% on normal and log-normal data at n = 3,
// 5, 10 and 20 (docs/statistics.md has the table, test/unit/coverage.test.ts a small
// version of the simulation). Pure.
import { mean, stdev } from './basic.js';
import { binomialCdf, tQuantile } from './distributions.js';

export type IntervalMethod = 'log-t' | 't' | 'paired log-t' | 'none';

export interface Interval {
  estimate: number;
  lo: number;
  hi: number;
  level: number;
  method: IntervalMethod;
}

/**
 * A quantity on the log scale: its estimate, the variance of that estimate and the
 * degrees of freedom of the variance (Satterthwaite when several parts add).
 */
interface LogTerm {
  center: number;
  variance: number;
  df: number;
}

const positive = (xs: readonly number[]) => xs.length > 0 && xs.every((x) => x > 0 && Number.isFinite(x));

/** Cox's log-normal estimate of log(mean): mean(log x) + s²/2, with its variance s²/n + s⁴/(2(n−1)). */
function logMeanTerm(xs: readonly number[]): LogTerm {
  const logs = xs.map(Math.log);
  const s2 = stdev(logs) ** 2;
  const n = xs.length;
  return { center: mean(logs) + s2 / 2, variance: s2 / n + (s2 * s2) / (2 * (n - 1)), df: n - 1 };
}

/** The sum (or difference: pass a negative sign) of independent log terms, df by Welch–Satterthwaite. */
function combine(terms: readonly (readonly [sign: number, term: LogTerm])[]): LogTerm {
  const variance = terms.reduce((s, [, t]) => s + t.variance, 0);
  const denominator = terms.reduce((s, [, t]) => s + (t.df > 0 ? t.variance ** 2 / t.df : 0), 0);
  return {
    center: terms.reduce((s, [sign, t]) => s + sign * t.center, 0),
    variance,
    df: denominator > 0 ? variance ** 2 / denominator : Number.POSITIVE_INFINITY,
  };
}

/** a − b of two independent log terms. */
const difference = (a: LogTerm, b: LogTerm): LogTerm =>
  combine([
    [1, a],
    [-1, b],
  ]);

/** exp of a log term's t interval, never excluding the point estimate it belongs to. */
function fromLog(estimate: number, t: LogTerm, level: number, method: IntervalMethod): Interval {
  if (!(t.variance > 0)) return { estimate, lo: estimate, hi: estimate, level, method };
  const q = Number.isFinite(t.df) ? tQuantile(1 - (1 - level) / 2, t.df) : 1.959964;
  const h = q * Math.sqrt(t.variance);
  return {
    estimate,
    lo: Math.min(estimate, Math.exp(t.center - h)),
    hi: Math.max(estimate, Math.exp(t.center + h)),
    level,
    method,
  };
}

const single = (estimate: number, level: number): Interval => ({
  estimate,
  lo: estimate,
  hi: estimate,
  level,
  method: 'none',
});

/** The mean with its interval: log-t (Cox) for positive values, else Student t. n < 2: no interval (lo = hi). */
export function meanInterval(xs: readonly number[], level = 0.95): Interval {
  const estimate = mean(xs);
  if (xs.length < 2) return single(estimate, level);
  if (positive(xs)) return fromLog(estimate, logMeanTerm(xs), level, 'log-t');
  const h = (tQuantile(1 - (1 - level) / 2, xs.length - 1) * stdev(xs)) / Math.sqrt(xs.length);
  return { estimate, lo: estimate - h, hi: estimate + h, level, method: 't' };
}

/**
 * The widest side of the mean's 95% interval as a percentage of the mean — the interval the
 * tables print (log-t for positive values), so `--target-ci` stops on what the user reads;
 * null below 2 values or at a zero mean.
 */
export function meanIntervalHalfWidthPct(xs: readonly number[]): number | null {
  if (xs.length < 2) return null;
  const i = meanInterval(xs);
  if (i.estimate === 0) return null;
  return (100 * Math.max(i.hi - i.estimate, i.estimate - i.lo)) / Math.abs(i.estimate);
}

/** mean(a) / mean(b), unpaired, with the interval of the difference of their Cox log terms (Welch df). */
export function ratioInterval(a: readonly number[], b: readonly number[], level = 0.95): Interval {
  const estimate = mean(a) / mean(b);
  if (a.length < 2 || b.length < 2) return single(estimate, level);
  if (positive(a) && positive(b)) return fromLog(estimate, difference(logMeanTerm(a), logMeanTerm(b)), level, 'log-t');
  // values at or below zero: the delta method on the ratio itself
  const [ma, mb] = [mean(a), mean(b)];
  const va = stdev(a) ** 2 / a.length / mb ** 2;
  const vb = (stdev(b) ** 2 / b.length) * (ma / mb ** 2) ** 2;
  const df = (va + vb) ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1));
  const h = (va + vb > 0 ? tQuantile(1 - (1 - level) / 2, df) : 0) * Math.sqrt(va + vb);
  return { estimate, lo: estimate - h, hi: estimate + h, level, method: 't' };
}

/**
 * (mean(a1)/mean(b1)) / (mean(a0)/mean(b0)): how a ratio changed between two experiments,
 * unpaired, the four log terms combined. Positive values only (makespans); else no interval.
 */
export function ratioOfRatiosInterval(
  a0: readonly number[],
  b0: readonly number[],
  a1: readonly number[],
  b1: readonly number[],
  level = 0.95,
): Interval {
  const estimate = mean(a1) / mean(b1) / (mean(a0) / mean(b0));
  const all = [a0, b0, a1, b1];
  if (all.some((xs) => xs.length < 2 || !positive(xs))) return single(estimate, level);
  const [t0a, t0b, t1a, t1b] = all.map(logMeanTerm) as [LogTerm, LogTerm, LogTerm, LogTerm];
  return fromLog(
    estimate,
    combine([
      [1, t1a],
      [-1, t1b],
      [-1, t0a],
      [1, t0b],
    ]),
    level,
    'log-t',
  );
}

/**
 * Paired ratios (one per block, both sides measured back to back): their geometric mean
 * with a t interval over the blocks' log ratios — the blocks' shared drift cancels.
 */
export function pairedRatioInterval(ratios: readonly number[], level = 0.95): Interval {
  const logs = ratios.map(Math.log);
  const estimate = Math.exp(mean(logs));
  if (ratios.length < 2 || !positive(ratios)) return single(estimate, level);
  const n = ratios.length;
  return fromLog(estimate, { center: mean(logs), variance: stdev(logs) ** 2 / n, df: n - 1 }, level, 'paired log-t');
}

/**
 * How a paired ratio changed between two experiments: the ratio of the geometric means of
 * their blocks' ratios, Welch's interval on the log ratios.
 */
export function pairedChangeInterval(before: readonly number[], after: readonly number[], level = 0.95): Interval {
  const lb = before.map(Math.log);
  const la = after.map(Math.log);
  const estimate = Math.exp(mean(la) - mean(lb));
  if (before.length < 2 || after.length < 2 || !positive(before) || !positive(after)) return single(estimate, level);
  const term = (logs: number[]): LogTerm => ({
    center: mean(logs),
    variance: stdev(logs) ** 2 / logs.length,
    df: logs.length - 1,
  });
  return fromLog(estimate, difference(term(la), term(lb)), level, 'paired log-t');
}

/**
 * A distribution-free interval of the median from order statistics: the widest pair
 * [x(k), x(n+1−k)] whose binomial coverage reaches the level. Below 6 values none
 * reaches 95% (n = 5 gives 93.75%): null, rather than an interval that is not one.
 */
export function medianInterval(xs: readonly number[], level = 0.95): [number, number] | null {
  const n = xs.length;
  const sorted = [...xs].sort((a, b) => a - b);
  let best: [number, number] | null = null;
  for (let k = 1; k <= Math.floor(n / 2); k++) {
    // coverage of [x(k), x(n+1-k)] = 1 - 2 P(Bin(n, 1/2) <= k - 1)
    if (1 - 2 * binomialCdf(k - 1, n, 0.5) < level) break;
    best = [sorted[k - 1]!, sorted[n - k]!];
  }
  return best;
}
