// How often an interval labelled 95% covers the truth: a seeded simulation on normal and
// log-normal data, for one sample's mean, an unpaired ratio of means and a paired ratio.
// test/unit/coverage.test.ts runs a small version; bench/coverage.mjs the docs' table. Pure.
import {
  type Interval,
  meanInterval,
  pairedChangeInterval,
  pairedRatioInterval,
  ratioInterval,
  ratioOfRatiosInterval,
} from './intervals.js';
import { gaussian, mulberry32 } from './random.js';

export type Shape = 'normal' | 'lognormal';

export interface CoverageCase {
  shape: Shape;
  /** coefficient of variation (normal) or sigma of the logs (log-normal) */
  spread: number;
  n: number;
}

export interface CoverageResult extends CoverageCase {
  mean: number;
  ratio: number;
  paired: number;
  /** compare's overhead change, paired by block on both sides (true change 1.1) */
  pairedChange: number;
  /** compare's overhead change from four unpaired samples (true change 1.1) */
  ratioChange: number;
  trials: number;
}

/** A value with the given true mean: normal (redrawn while not positive) or log-normal. */
function drawer(shape: Shape, spread: number, rand: () => number): (mu: number, s?: number) => number {
  return (mu, s = spread) => {
    if (shape === 'lognormal') return mu * Math.exp(s * gaussian(rand) - (s * s) / 2);
    for (;;) {
      const x = mu * (1 + s * gaussian(rand));
      if (x > 0) return x;
    }
  };
}

const covers = (i: Interval, truth: number) => i.lo <= truth && truth <= i.hi;

/**
 * The share of trials whose interval covered: the mean (true 10), the ratio of two
 * independent means with different noise (true 1.25), and the paired ratio of blocks that
 * share a drift (a log-normal block factor, sd 0.3; true 1.25); and how a ratio changed
 * between two experiments, paired (blocks' ratios) and unpaired (four samples), true 1.1.
 */
export function simulateCoverage(c: CoverageCase, trials: number, seed = 1): CoverageResult {
  const rand = mulberry32(seed);
  const draw = drawer(c.shape, c.spread, rand);
  let [mean, ratio, paired, pairedChange, ratioChange] = [0, 0, 0, 0, 0];
  const many = (k: number, f: () => number) => Array.from({ length: k }, f);
  for (let t = 0; t < trials; t++) {
    const a = many(c.n, () => draw(10));
    const b = many(c.n, () => draw(8, c.spread / 2));
    if (covers(meanInterval(a), 10)) mean++;
    if (covers(ratioInterval(a, b), 1.25)) ratio++;
    const blockRatios = (truth: number) =>
      many(c.n, () => Math.exp(0.3 * gaussian(rand))).map((k) => (k * draw(10 * truth)) / (k * draw(8)));
    const ratios = blockRatios(1);
    if (covers(pairedRatioInterval(ratios), 1.25)) paired++;
    if (covers(pairedChangeInterval(ratios, blockRatios(1.1)), 1.1)) pairedChange++;
    const [a1, b1] = [many(c.n, () => draw(11)), many(c.n, () => draw(8, c.spread / 2))];
    if (covers(ratioOfRatiosInterval(a, b, a1, b1), 1.1)) ratioChange++;
  }
  const share = (k: number) => k / trials;
  return {
    ...c,
    mean: share(mean),
    ratio: share(ratio),
    paired: share(paired),
    pairedChange: share(pairedChange),
    ratioChange: share(ratioChange),
    trials,
  };
}

/** The cases of the docs' table: normal at 20% CV, log-normal at sigma 0.25 and 0.5; n = 3, 5, 10, 20. */
export const COVERAGE_CASES: CoverageCase[] = (
  [
    ['normal', 0.2],
    ['lognormal', 0.25],
    ['lognormal', 0.5],
  ] as const
).flatMap(([shape, spread]) => [3, 5, 10, 20].map((n) => ({ shape, spread, n })));
