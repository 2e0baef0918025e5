import { describe, expect, it } from 'vitest';
import { pairByBlock, ratioEstimates } from '../../src/results/pairing.js';
import { COVERAGE_CASES, simulateCoverage } from '../../src/stats/coverage.js';
import {
  meanInterval,
  medianInterval,
  pairedRatioInterval,
  ratioInterval,
  ratioOfRatiosInterval,
} from '../../src/stats/intervals.js';
import { detectableEffect, mdeTwoSample, repetitionsFor, tTestPower } from '../../src/stats/mde.js';

// Expected values computed independently with SciPy 1.17 (scipy.stats.t.ppf, nct, binom;
// numpy for the log moments), not with versus's code.
describe('intervals against SciPy', () => {
  it("gives Cox's log-normal interval of a mean", () => {
    const i = meanInterval([3, 4, 5]);
    expect(i.estimate).toBe(4);
    expect(i.lo).toBeCloseTo(2.108441, 5);
    expect(i.hi).toBeCloseTo(7.761666, 5);
    expect(i.method).toBe('log-t');
  });

  it('falls back to Student t for values at or below zero, and has no interval of one value', () => {
    const i = meanInterval([-1, 0, 1, 2]);
    // 0.5 ± t(0.975, 3) sd / 2, sd = 1.29099
    expect(i.lo).toBeCloseTo(0.5 - 3.182446 * (1.290994 / 2), 5);
    expect(i.method).toBe('t');
    expect(meanInterval([7])).toMatchObject({ lo: 7, hi: 7, method: 'none' });
  });

  it('gives the ratio of two means with Welch–Satterthwaite df on the log terms', () => {
    const i = ratioInterval([4.9, 4.1, 3.15], [3.0, 3.8, 3.0]);
    expect(i.estimate).toBeCloseTo(1.239796, 5);
    expect(i.lo).toBeCloseTo(0.784979, 5);
    expect(i.hi).toBeCloseTo(1.980103, 5);
  });

  it('pairs by block: the geometric mean of the blocks’ ratios with a t interval over blocks', () => {
    // NOISE.md's docker ÷ native blocks of the default experiment, x1
    const i = pairedRatioInterval([1.67, 1.08, 1.05]);
    expect(i.estimate).toBeCloseTo(1.237209, 5);
    expect(i.lo).toBeCloseTo(0.648293, 5);
    expect(i.hi).toBeCloseTo(2.361105, 5);
  });

  it('reports a ratio of ratios whose parts cancel as no change', () => {
    const a = [2, 2.2, 1.8];
    const b = [1, 1.1, 0.9];
    const i = ratioOfRatiosInterval(b, b, a, a);
    expect(i.estimate).toBeCloseTo(1, 12);
    expect(i.lo).toBeLessThan(1);
    expect(i.hi).toBeGreaterThan(1);
  });

  it('takes the median interval from order statistics, none below 6 values', () => {
    const xs = Array.from({ length: 10 }, (_, i) => i + 1);
    // binom: k = 2 is the widest reaching 95% at n = 10; k = 6 at n = 20
    expect(medianInterval(xs)).toEqual([2, 9]);
    expect(medianInterval(Array.from({ length: 20 }, (_, i) => i + 1))).toEqual([6, 15]);
    expect(medianInterval([1, 2, 3, 4, 5])).toBeNull();
  });
});

describe('minimum detectable effect against SciPy’s noncentral t', () => {
  it('solves the effect for 80% power', () => {
    // two-sample n = 3 a side: d = 3.0709 sd, i.e. 3.0709 / sqrt(2/3) standard errors
    expect(detectableEffect(4)).toBeCloseTo(3.0709 / Math.sqrt(2 / 3), 3);
    expect(detectableEffect(38)).toBeCloseTo(0.9091 / Math.sqrt(2 / 20), 3);
    expect(tTestPower(detectableEffect(10), 10)).toBeCloseTo(0.8, 6);
  });

  it('gives the MDE as a relative change on the log scale', () => {
    expect(mdeTwoSample(0.1, 5)).toBeCloseTo(0.224391, 4);
    expect(mdeTwoSample(0.1, 1)).toBeNull();
  });

  it('says how many repetitions reach a target', () => {
    const n = repetitionsFor(0.1, 0.1)!;
    expect(mdeTwoSample(0.1, n)!).toBeLessThanOrEqual(0.1);
    expect(mdeTwoSample(0.1, n - 1)!).toBeGreaterThan(0.1);
  });
});

describe('pairing by block', () => {
  it('pairs the blocks both sides measured and names the broken ones', () => {
    const a = { values: [4, 5, 6], blocks: [0, 1, 2] };
    const b = { values: [2, 3], blocks: [0, 2] };
    const p = pairByBlock(a, b, ['docker x1', 'native x1']);
    expect(p.ratios).toEqual([2, 2]);
    expect(p.blocks).toEqual([0, 2]);
    expect(p.broken).toEqual(['r2: no native x1 value']);
  });

  it('cancels drift that an unpaired ratio cannot', () => {
    // the host slows down block by block; the container costs 10% in every block
    const drift = [1, 1.3, 1.7, 2.2];
    const native = { values: drift.map((d, i) => d * (1 + 0.01 * (i % 2))), blocks: [0, 1, 2, 3] };
    const docker = { values: drift.map((d, i) => 1.1 * d * (1 - 0.01 * (i % 2))), blocks: [0, 1, 2, 3] };
    const r = ratioEstimates(docker, native, ['docker', 'native']);
    const pairedWidth = r.paired!.ci95[1] - r.paired!.ci95[0];
    expect(r.paired!.ratio).toBeCloseTo(1.09, 2);
    expect(pairedWidth).toBeLessThan((r.unpaired.hi - r.unpaired.lo) / 5);
  });
});

describe('coverage of every interval labelled 95%', () => {
  it('is at least 94% at n = 3, 5, 10 and 20 on normal and log-normal data (small simulation)', () => {
    for (const c of COVERAGE_CASES) {
      const r = simulateCoverage(c, 1500, 11);
      // 1500 trials: a true 95% lands above 0.935 with overwhelming probability
      for (const what of ['mean', 'ratio', 'paired', 'pairedChange', 'ratioChange'] as const) {
        expect(r[what], `${what} ${c.shape} ${c.spread} n=${c.n}`).toBeGreaterThan(0.935);
      }
    }
  });
});
