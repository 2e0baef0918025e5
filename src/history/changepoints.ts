// Change points in a series of results: E-divisive means (Matteson & James), as Apache
// Otava (formerly Hunter, MongoDB, ICPE 2020) uses it — the split that maximises the
// energy distance between the two sides — with the permutation test replaced by a
// t-test between the segments either side (pooled variance: one noise level), so the
// answer is deterministic.
// Splits are found by binary segmentation, then re-tested against their neighbours
// and the weakest dropped until every one holds. Pure.
import { ratioInterval } from '../stats/intervals.js';
import { pooledT } from '../stats/tdist.js';

export interface ChangePointOptions {
  /** false-alarm level per series: a split must have p × (candidate splits) below it */
  alpha: number;
  /** fewest points a segment may have (a lone outlier is never a segment) */
  minSize: number;
}

export interface ChangePoint {
  /** first index of the new segment */
  index: number;
  /** the t-test's p-value between the neighbouring segments, Bonferroni-corrected for the series' possible splits */
  p: number;
  meanBefore: number;
  meanAfter: number;
  /** meanAfter / meanBefore - 1 */
  change: number;
  /** 95% interval of the change (log-t, Welch's df) */
  ci95: [number, number];
}

export const DEFAULT_CHANGE_OPTIONS: ChangePointOptions = { alpha: 0.01, minSize: 3 };

/** The energy statistic of splitting xs at tau (both sides non-empty). */
export function energyAt(xs: readonly number[], tau: number): number {
  const m = tau;
  const k = xs.length - tau;
  let between = 0;
  for (let i = 0; i < tau; i++) for (let j = tau; j < xs.length; j++) between += Math.abs(xs[i]! - xs[j]!);
  let left = 0;
  for (let i = 0; i < tau; i++) for (let j = i + 1; j < tau; j++) left += Math.abs(xs[i]! - xs[j]!);
  let right = 0;
  for (let i = tau; i < xs.length; i++) for (let j = i + 1; j < xs.length; j++) right += Math.abs(xs[i]! - xs[j]!);
  const pairs = (n: number) => (n * (n - 1)) / 2;
  const e = (2 * between) / (m * k) - (m > 1 ? left / pairs(m) : 0) - (k > 1 ? right / pairs(k) : 0);
  return ((m * k) / (m + k)) * e;
}

/** The split of a segment with the largest energy, or -1 when it is too short to split. */
function bestSplit(xs: readonly number[], minSize: number): number {
  let tau = -1;
  let best = Number.NEGATIVE_INFINITY;
  for (let t = minSize; t <= xs.length - minSize; t++) {
    const q = energyAt(xs, t);
    if (q > best) {
      best = q;
      tau = t;
    }
  }
  return tau;
}

/**
 * p of the split at `index` between its neighbours lo..hi, Bonferroni-corrected for
 * every split the whole series allows: the level holds per series, not per segment.
 */
function splitP(xs: readonly number[], lo: number, index: number, hi: number, minSize: number): number {
  const candidates = Math.max(1, xs.length - 2 * minSize + 1);
  return Math.min(1, pooledT(xs.slice(lo, index), xs.slice(index, hi)).p * candidates);
}

function describe(xs: readonly number[], index: number, lo: number, hi: number, p: number): ChangePoint {
  const before = xs.slice(lo, index);
  const after = xs.slice(index, hi);
  const meanBefore = before.reduce((a, b) => a + b, 0) / before.length;
  const meanAfter = after.reduce((a, b) => a + b, 0) / after.length;
  // the step as a ratio of the segments' means, log-t with Welch's df (the after/before noise of both)
  const r = ratioInterval(after, before);
  const flip = meanBefore < 0 ? -1 : 1;
  return {
    index,
    p,
    meanBefore,
    meanAfter,
    change: meanBefore === 0 ? Number.NaN : flip * (r.estimate - 1),
    ci95: meanBefore === 0 ? [Number.NaN, Number.NaN] : flip > 0 ? [r.lo - 1, r.hi - 1] : [1 - r.hi, 1 - r.lo],
  };
}

/**
 * Every change point of a series, in index order: candidates from binary
 * segmentation by energy down to the smallest segments, then the weakest candidate
 * (its p-value against the segments either side) dropped until every one holds —
 * Otava's procedure, so a rise followed by a fall is found though no single split
 * of the whole series explains it.
 */
export function changePoints(xs: readonly number[], opts: ChangePointOptions = DEFAULT_CHANGE_OPTIONS): ChangePoint[] {
  const found: number[] = [];
  const split = (lo: number, hi: number) => {
    if (hi - lo < 2 * opts.minSize) return;
    const tau = bestSplit(xs.slice(lo, hi), opts.minSize);
    if (tau < 0) return;
    found.push(lo + tau);
    split(lo, lo + tau);
    split(lo + tau, hi);
  };
  split(0, xs.length);
  found.sort((a, b) => a - b);
  for (;;) {
    const bounds = [0, ...found, xs.length];
    let weakest = -1;
    let weakestP = opts.alpha;
    for (let i = 0; i < found.length; i++) {
      const p = splitP(xs, bounds[i]!, found[i]!, bounds[i + 2]!, opts.minSize);
      if (p >= weakestP) {
        weakestP = p;
        weakest = i;
      }
    }
    if (weakest < 0) break;
    found.splice(weakest, 1);
  }
  const bounds = [0, ...found, xs.length];
  return found.map((index, i) =>
    describe(xs, index, bounds[i]!, bounds[i + 2]!, splitP(xs, bounds[i]!, index, bounds[i + 2]!, opts.minSize)),
  );
}
