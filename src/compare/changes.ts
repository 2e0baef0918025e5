// The change of one compare row, as a function of the interval's level: compare shows
// the 95% interval and gates on a wider one (its rows' false positives held to a family
// rate). A metric's change is a ratio of means; an overhead's change is paired by block
// when both sides have blocks. Pure.
import type { CellMetrics } from '../results/metrics.js';
import { geometricMean, pairByBlock } from '../results/pairing.js';
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

export const ownInterval = (i: Interval): [number, number] | null => (i.method === 'none' ? null : [i.lo, i.hi]);

export interface Change {
  /** candidate / baseline at a level: the 95% one is shown, the gate's decides */
  at: (level: number) => Interval;
  before: number;
  after: number;
  /** the candidate's own 95% interval */
  afterInterval: Interval;
  n0: number;
  n1: number;
  mde: number | null;
}

/** A metric's change: mean(candidate) / mean(baseline). */
export function metricChange(vb: readonly number[], vc: readonly number[]): Change {
  const sdLog = pooledLogSd(vb, vc);
  return {
    at: (level) => ratioInterval(vc, vb, level),
    before: mean(vb),
    after: mean(vc),
    afterInterval: meanInterval(vc),
    n0: vb.length,
    n1: vc.length,
    mde: sdLog === null ? null : mdeTwoSample(sdLog, vb.length, vc.length),
  };
}

/**
 * How an overhead ratio changed: paired by block on both sides when each pairs 2 or more
 * blocks (the blocks' log ratios, Welch), else the four samples unpaired.
 */
export function overheadChange(
  base: readonly [CellMetrics, CellMetrics],
  cand: readonly [CellMetrics, CellMetrics],
): Change {
  const blockValues = (c: CellMetrics) => ({ values: c.values.makespan ?? [], blocks: c.blocks?.makespan ?? [] });
  const pairs = (cells: readonly [CellMetrics, CellMetrics]) =>
    cells[0].blocks
      ? pairByBlock(blockValues(cells[0]), blockValues(cells[1]), [cells[0].env, cells[1].env]).ratios
      : [];
  const [r0, r1] = [pairs(base), pairs(cand)];
  if (r0.length >= 2 && r1.length >= 2) {
    const sd = pooledLogSd(r0, r1);
    return {
      at: (level) => pairedChangeInterval(r0, r1, level),
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
    at: (level) => ratioOfRatiosInterval(a0, b0, a1, b1, level),
    before: mean(a0) / mean(b0),
    after: mean(a1) / mean(b1),
    afterInterval: ratioInterval(a1, b1),
    n0: Math.min(a0.length, b0.length),
    n1: Math.min(a1.length, b1.length),
    mde: noise === null ? null : mdeTwoSample(noise, n),
  };
}
