// The distributions versus's intervals, tests and power need, from jstat (a kept
// library) instead of hand-written numerics: one place that knows the library.
import jstatModule from 'jstat';

const { jStat } = jstatModule as unknown as typeof import('jstat');

/** The p quantile of Student's t with df degrees of freedom (df may be fractional, as Welch's). */
export function tQuantile(p: number, df: number): number {
  if (!(df > 0)) return Number.NaN;
  return jStat.studentt.inv(p, df);
}

/** P(T <= t) for Student's t. */
export function tCdf(t: number, df: number): number {
  return jStat.studentt.cdf(t, df);
}

/** P(T > t) for the noncentral t with df degrees of freedom and noncentrality ncp. */
export function noncentralTSurvival(t: number, df: number, ncp: number): number {
  return 1 - jStat.noncentralt.cdf(t, df, ncp);
}

/** The standard normal CDF. */
export function normalCdf(z: number): number {
  return jStat.normal.cdf(z, 0, 1);
}

/** The standard normal quantile. */
export function normalQuantile(p: number): number {
  return jStat.normal.inv(p, 0, 1);
}

/** P(X <= k) for a binomial(n, p). */
export function binomialCdf(k: number, n: number, p: number): number {
  return jStat.binomial.cdf(k, n, p);
}
