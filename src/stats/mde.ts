// The minimum detectable effect: the smallest relative change a comparison of two
// experiments of this size and noise detects with 80% power at a two-sided 5% level —
// the question "could this result have seen a 5% regression at all?". Exact power from
// the noncentral t (jstat), solved by bisection. Pure.
import { stdev } from './basic.js';
import { noncentralTSurvival, tQuantile } from './distributions.js';

export const MDE_POWER = 0.8;
export const MDE_ALPHA = 0.05;

/** Power of a two-sided t test with df degrees of freedom to see an effect of `effect` standard errors. */
export function tTestPower(effect: number, df: number, alpha = MDE_ALPHA): number {
  const critical = tQuantile(1 - alpha / 2, df);
  return noncentralTSurvival(critical, df, effect) + (1 - noncentralTSurvival(-critical, df, effect));
}

const solved = new Map<string, number>();

/** The effect, in standard errors, that a t test with df degrees of freedom detects with the given power (memoised: compare asks per row). */
export function detectableEffect(df: number, power = MDE_POWER, alpha = MDE_ALPHA): number {
  if (!(df > 0)) return Number.POSITIVE_INFINITY;
  const key = `${df}\0${power}\0${alpha}`;
  const hit = solved.get(key);
  if (hit !== undefined) return hit;
  const effect = solveEffect(df, power, alpha);
  if (solved.size < 10_000) solved.set(key, effect);
  return effect;
}

function solveEffect(df: number, power: number, alpha: number): number {
  let lo = 0;
  let hi = 1;
  while (tTestPower(hi, df, alpha) < power) hi *= 2;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (tTestPower(mid, df, alpha) < power) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * The MDE of a comparison between two samples of sizes n1 and n2 whose log values have
 * standard deviation sdLog (the pooled noise of both), as a relative change (0.18 = 18%):
 * a two-sample t test on the log scale, df = n1 + n2 − 2.
 */
export function mdeTwoSample(sdLog: number, n1: number, n2 = n1, power = MDE_POWER): number | null {
  if (n1 < 2 || n2 < 2 || !Number.isFinite(sdLog)) return null;
  const se = sdLog * Math.sqrt(1 / n1 + 1 / n2);
  return Math.exp(detectableEffect(n1 + n2 - 2, power) * se) - 1;
}

/** The pooled standard deviation of two samples' logs (positive values only), or null. */
export function pooledLogSd(a: readonly number[], b: readonly number[]): number | null {
  if (a.length < 2 || b.length < 2 || ![...a, ...b].every((x) => x > 0)) return null;
  const va = stdev(a.map(Math.log)) ** 2;
  const vb = stdev(b.map(Math.log)) ** 2;
  return Math.sqrt(((a.length - 1) * va + (b.length - 1) * vb) / (a.length + b.length - 2));
}

/** The MDE of one sample against another run like it (same size, same noise): the run's table says this. */
export function mdeOfSample(xs: readonly number[]): number | null {
  const sd = pooledLogSd(xs, xs);
  return sd === null ? null : mdeTwoSample(sd, xs.length);
}

/** Repetitions a side needed for a comparison to detect `target` (0.05 = 5%) at this noise; null beyond the cap. */
export function repetitionsFor(sdLog: number, target: number, cap = 1000): number | null {
  // the normal approximation, 2((z.975 + z.8) sd / log(1 + target))², less a margin, is where to start
  const guess = 2 * ((2.8 * sdLog) / Math.log1p(target)) ** 2;
  for (let n = Math.max(2, Math.floor(guess * 0.8)); n <= cap; n++) {
    const mde = mdeTwoSample(sdLog, n);
    if (mde !== null && mde <= target) return n;
  }
  return null;
}

/** The MDE of a difference on the log scale whose standard error is `se` with df degrees of freedom. */
export function mdeOfLogDifference(se: number, df: number, power = MDE_POWER): number | null {
  if (!(se >= 0) || !(df > 0)) return null;
  return Math.exp(detectableEffect(df, power) * se) - 1;
}
