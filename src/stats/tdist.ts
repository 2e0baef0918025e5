// Welch's and Student's two-sample t tests, for change points that need a p-value
// without random permutations (deterministic); the distribution is jstat's. Pure.
import { tCdf, tQuantile } from './distributions.js';

/** P(|T| >= |t|) for Student's t with df degrees of freedom. */
export function tTwoSided(t: number, df: number): number {
  if (!Number.isFinite(t)) return Number.isNaN(t) ? 1 : 0;
  return Math.min(1, 2 * (1 - tCdf(Math.abs(t), df)));
}

export interface Welch {
  t: number;
  df: number;
  /** two-sided */
  p: number;
  /** mean(b) - mean(a) */
  diff: number;
  /** standard error of the difference */
  se: number;
}

/** Welch's unequal-variance t-test of b against a. Needs 2 or more values a side. */
export function welch(a: readonly number[], b: readonly number[]): Welch {
  const stats = (xs: readonly number[]) => {
    const m = xs.reduce((s, x) => s + x, 0) / xs.length;
    const v = xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1);
    return { m, v, n: xs.length };
  };
  const A = stats(a);
  const B = stats(b);
  const va = A.v / A.n;
  const vb = B.v / B.n;
  const se = Math.sqrt(va + vb);
  const diff = B.m - A.m;
  if (se === 0)
    return { t: diff === 0 ? 0 : Math.sign(diff) * Infinity, df: A.n + B.n - 2, p: diff === 0 ? 1 : 0, diff, se };
  const df = (va + vb) ** 2 / (va ** 2 / (A.n - 1) + vb ** 2 / (B.n - 1));
  const t = diff / se;
  return { t, df, p: tTwoSided(t, df), diff, se };
}

export { tQuantile };

/** Student's two-sample t-test with pooled variance (one noise level on both sides). */
export function pooledT(a: readonly number[], b: readonly number[]): Welch {
  const ma = a.reduce((s, x) => s + x, 0) / a.length;
  const mb = b.reduce((s, x) => s + x, 0) / b.length;
  const ss = a.reduce((s, x) => s + (x - ma) ** 2, 0) + b.reduce((s, x) => s + (x - mb) ** 2, 0);
  const df = a.length + b.length - 2;
  const se = Math.sqrt((ss / df) * (1 / a.length + 1 / b.length));
  const diff = mb - ma;
  if (se === 0) return { t: diff === 0 ? 0 : Math.sign(diff) * Infinity, df, p: diff === 0 ? 1 : 0, diff, se };
  const t = diff / se;
  return { t, df, p: tTwoSided(t, df), diff, se };
}
