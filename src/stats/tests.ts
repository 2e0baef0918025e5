// Rank test and outlier flags: pure functions.
import { median } from './basic.js';
import { normalCdf, tQuantile } from './distributions.js';

export { normalCdf };

/** Average ranks (1-based), ties sharing the mean of their positions; also the tie group sizes. */
export function ranks(values: readonly number[]): { ranks: number[]; ties: number[] } {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(values.length);
  const ties: number[] = [];
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) out[order[k]![1]] = r;
    if (j > i) ties.push(j - i + 1);
    i = j + 1;
  }
  return { ranks: out, ties };
}

export interface MannWhitney {
  u: number; // U of the first sample
  p: number; // two-sided
  method: 'exact' | 'normal';
}

/** Number of ways to get each U for samples of size m and n without ties (recursive counts). */
function exactUDistribution(m: number, n: number): number[] {
  // f[m][n][u] = f[m-1][n][u-n] + f[m][n-1][u]
  const memo = new Map<string, number[]>();
  const f = (a: number, b: number): number[] => {
    if (a === 0 || b === 0) return [1];
    const key = `${a},${b}`;
    const hit = memo.get(key);
    if (hit) return hit;
    const x = f(a - 1, b);
    const y = f(a, b - 1);
    const out = new Array<number>(a * b + 1).fill(0);
    for (let u = 0; u < x.length; u++) out[u + b] = out[u + b]! + x[u]!;
    for (let u = 0; u < y.length; u++) out[u] = out[u]! + y[u]!;
    memo.set(key, out);
    return out;
  };
  return f(m, n);
}

/**
 * Mann-Whitney U test, two-sided. Exact for small samples without ties, else the
 * normal approximation with tie correction and continuity correction.
 */
export function mannWhitney(a: readonly number[], b: readonly number[]): MannWhitney {
  const m = a.length;
  const n = b.length;
  if (m === 0 || n === 0) return { u: Number.NaN, p: Number.NaN, method: 'normal' };
  const { ranks: r, ties } = ranks([...a, ...b]);
  let r1 = 0;
  for (let i = 0; i < m; i++) r1 += r[i]!;
  const u = r1 - (m * (m + 1)) / 2;
  if (ties.length === 0 && m * n <= 400) {
    const dist = exactUDistribution(m, n);
    const total = dist.reduce((s, x) => s + x, 0);
    const lo = Math.min(u, m * n - u);
    let tail = 0;
    for (let k = 0; k <= lo; k++) tail += dist[k]!;
    return { u, p: Math.min(1, (2 * tail) / total), method: 'exact' };
  }
  const N = m + n;
  const tieTerm = ties.reduce((s, t) => s + t ** 3 - t, 0) / (N * (N - 1));
  const sigma = Math.sqrt(((m * n) / 12) * (N + 1 - tieTerm));
  if (sigma === 0) return { u, p: 1, method: 'normal' };
  const z = (Math.abs(u - (m * n) / 2) - 0.5) / sigma;
  return { u, p: Math.min(1, 2 * (1 - normalCdf(Math.max(0, z)))), method: 'normal' };
}

/** Modified z-score outliers (Iglewicz and Hoaglin): |0.6745 (x - median) / MAD| > threshold. */
export function madOutliers(xs: readonly number[], threshold = 3.5): boolean[] {
  const med = median(xs);
  const mad = median(xs.map((x) => Math.abs(x - med)));
  if (!(mad > 0)) return xs.map(() => false);
  return xs.map((x) => Math.abs((0.6745 * (x - med)) / mad) > threshold);
}

/** t(0.975, df): the two-sided 95% Student-t quantile; infinite below 1 df. */
export function tQuantile975(df: number): number {
  return df < 1 ? Number.POSITIVE_INFINITY : tQuantile(0.975, df);
}
