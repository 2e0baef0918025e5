// Descriptive statistics: pure functions over plain arrays.

export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Minimum and maximum without spreading into arguments (safe for millions of values). */
export function extent(xs: readonly number[]): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const x of xs) {
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return xs.length ? [lo, hi] : [Number.NaN, Number.NaN];
}

/** Sample standard deviation (n - 1); 0 for a single value. */
export function stdev(xs: readonly number[]): number {
  if (xs.length < 2) return xs.length === 1 ? 0 : Number.NaN;
  const m = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - m) ** 2;
  return Math.sqrt(s / (xs.length - 1));
}

export interface Describe {
  n: number;
  mean: number;
  median: number;
  stdev: number;
  min: number;
  max: number;
  cv: number;
}

export function describe(xs: readonly number[]): Describe {
  const m = mean(xs);
  const sd = stdev(xs);
  const [min, max] = extent(xs);
  return {
    n: xs.length,
    mean: m,
    median: median(xs),
    stdev: sd,
    min,
    max,
    cv: m !== 0 ? sd / m : Number.NaN,
  };
}
