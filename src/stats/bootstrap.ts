// Bootstrap confidence intervals with a seeded generator: the same data and seed
// always give the same interval.
import { mean, median } from './basic.js';

export interface Interval {
  estimate: number;
  lo: number;
  hi: number;
  level: number;
}

/** mulberry32: a small seeded generator of uniform doubles in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The bootstrap's generator; seed 0 is taken as 1. */
export const seededRandom = (seed: number) => mulberry32(seed >>> 0 || 1);

/** Linear-interpolated quantile of sorted values, q in [0, 1]. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

function resample(xs: readonly number[], rand: () => number, out: number[]): number[] {
  for (let i = 0; i < xs.length; i++) out[i] = xs[Math.floor(rand() * xs.length)]!;
  return out;
}

/** Percentile bootstrap interval of a statistic (default: the mean). */
export function bootstrapInterval(
  xs: readonly number[],
  opts: { statistic?: (xs: readonly number[]) => number; resamples?: number; level?: number; seed?: number } = {},
): Interval {
  const stat = opts.statistic ?? mean;
  const level = opts.level ?? 0.95;
  const estimate = stat(xs);
  if (xs.length < 2) return { estimate, lo: estimate, hi: estimate, level };
  const rand = seededRandom(opts.seed ?? 1);
  const n = opts.resamples ?? 10_000;
  const stats = new Array<number>(n);
  const buf = new Array<number>(xs.length);
  for (let i = 0; i < n; i++) stats[i] = stat(resample(xs, rand, buf));
  stats.sort((a, b) => a - b);
  const alpha = (1 - level) / 2;
  return { estimate, lo: quantileSorted(stats, alpha), hi: quantileSorted(stats, 1 - alpha), level };
}

export const bootstrapMedian = (xs: readonly number[], seed = 1) => bootstrapInterval(xs, { statistic: median, seed });

/** mean(a) / mean(b) with a bootstrap interval, both samples resampled independently. */
export function ratioOfMeans(
  a: readonly number[],
  b: readonly number[],
  opts: { resamples?: number; level?: number; seed?: number } = {},
): Interval {
  const level = opts.level ?? 0.95;
  const estimate = mean(a) / mean(b);
  if (a.length < 2 || b.length < 2) return { estimate, lo: estimate, hi: estimate, level };
  const rand = seededRandom(opts.seed ?? 1);
  const n = opts.resamples ?? 10_000;
  const ratios = new Array<number>(n);
  const bufA = new Array<number>(a.length);
  const bufB = new Array<number>(b.length);
  for (let i = 0; i < n; i++) ratios[i] = mean(resample(a, rand, bufA)) / mean(resample(b, rand, bufB));
  ratios.sort((x, y) => x - y);
  const alpha = (1 - level) / 2;
  return { estimate, lo: quantileSorted(ratios, alpha), hi: quantileSorted(ratios, 1 - alpha), level };
}
