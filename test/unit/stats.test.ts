import { describe, expect, it } from 'vitest';
import { compareResults, parseThreshold, verdictOf } from '../../src/compare/compare.js';
import type { CellMetrics } from '../../src/results/metrics.js';
import { madOutliers, mannWhitney, normalCdf, ranks } from '../../src/stats/tests.js';
// the backends' views (kinds, sample sources) for results that do not record them, as the CLI has them
import '../../src/compose/registry.js';

describe('Mann-Whitney U', () => {
  it('gives the exact p of completely separated samples', () => {
    // 5 vs 5, no overlap: P = 2 / C(10, 5) = 2 / 252
    const r = mannWhitney([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]);
    expect(r).toMatchObject({ u: 0, method: 'exact' });
    expect(r.p).toBeCloseTo(2 / 252, 12);
    expect(mannWhitney([6, 7, 8, 9, 10], [1, 2, 3, 4, 5]).u).toBe(25);
    // 3 vs 3: 2 / C(6, 3) = 0.1
    expect(mannWhitney([1, 2, 3], [4, 5, 6]).p).toBeCloseTo(0.1, 12);
  });

  it('matches the textbook example (U = 17 of 20, exact two-sided p = 0.1111)', () => {
    // 19 22 16 29 24 vs 20 11 17 12: ranks of the first sample 5+7+3+9+8 = 32, U = 32 - 15 = 17
    const a = [19, 22, 16, 29, 24];
    const b = [20, 11, 17, 12];
    const r = mannWhitney(a, b);
    expect(r.u).toBe(17);
    expect(r.p).toBeCloseTo(0.1111, 4);
  });

  it('uses the normal approximation with tie correction when there are ties', () => {
    const r = mannWhitney([1, 2, 2, 3, 4, 5, 5, 6], [2, 3, 4, 4, 5, 6, 7, 8]);
    expect(r.method).toBe('normal');
    expect(r.p).toBeGreaterThan(0.05);
    expect(r.p).toBeLessThan(1);
    expect(mannWhitney([1, 1, 1], [1, 1, 1]).p).toBe(1);
  });

  it('ranks ties by their mean position', () => {
    expect(ranks([10, 20, 20, 30]).ranks).toEqual([1, 2.5, 2.5, 4]);
    expect(ranks([10, 20, 20, 30]).ties).toEqual([2]);
  });

  it('has a normal CDF accurate to 1e-6', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1.644854)).toBeCloseTo(0.05, 6);
  });
});

describe('outliers and intervals', () => {
  it('flags MAD outliers', () => {
    expect(madOutliers([10, 10.2, 9.9, 10.1, 10, 30])).toEqual([false, false, false, false, false, true]);
    expect(madOutliers([5, 5, 5])).toEqual([false, false, false]);
  });
});

function cell(env: string, makespans: number[]): CellMetrics {
  return {
    workload: '',
    env,
    instances: 1,
    ok: makespans.length,
    failed: 0,
    runs: [],
    values: { makespan: makespans },
    blocks: { makespan: makespans.map((_, i) => i) },
    metrics: {},
  };
}

describe('compare', () => {
  const base = [cell('docker', [10, 10.3, 9.8, 10.1, 9.9]), cell('qemu', [14, 14.2, 13.9, 14.1, 14])];

  it('finds an injected 20% regression, in the metric and in the overhead ratio', () => {
    const cand = [cell('docker', [10, 10.3, 9.8, 10.1, 9.9]), cell('qemu', [16.8, 17, 16.7, 16.9, 16.8])];
    const c = compareResults(base, cand, ['makespan', 'overhead'], 0.05);
    expect(c.regressed).toBe(true);
    const q = c.rows.find((r) => r.scope === 'qemu x1' && r.metric === 'makespan')!;
    expect(q.change).toBeCloseTo(0.2, 2);
    expect(q.verdict).toBe('regressed');
    expect(q.p).toBeLessThan(0.05);
    expect(c.rows.find((r) => r.scope === 'VM/container x1')!.verdict).toBe('regressed');
    expect(c.rows.find((r) => r.scope === 'docker x1')!.verdict).toBe('no significant change');
  });

  it('finds nothing between identical sets, and an improvement when faster', () => {
    expect(compareResults(base, base, ['makespan', 'overhead'], 0.05).regressed).toBe(false);
    const faster = [cell('docker', [8, 8.1, 7.9, 8, 8.05]), base[1]!];
    expect(compareResults(base, faster, ['makespan'], 0.05).rows.find((r) => r.scope === 'docker x1')!.verdict).toBe(
      'improved',
    );
  });

  it('needs the change past the threshold and the interval clear of zero', () => {
    expect(verdictOf(0.1, [0.02, 0.18], 'higher', 0.05, true)).toBe('regressed');
    expect(verdictOf(0.1, [-0.02, 0.2], 'higher', 0.05, true)).toBe('no significant change');
    expect(verdictOf(0.03, [0.01, 0.05], 'higher', 0.05, true)).toBe('no significant change');
    expect(verdictOf(-0.1, [-0.18, -0.02], 'lower', 0.05, true)).toBe('regressed'); // throughput fell
    expect(verdictOf(0.5, [0.4, 0.6], 'higher', 0.05, false)).toBe('not enough data');
  });

  it('parses thresholds and rejects unknown metrics', () => {
    expect(parseThreshold('5%')).toBeCloseTo(0.05, 12);
    expect(parseThreshold('0.1')).toBeCloseTo(0.001, 12); // a bare number is percent, as --target-ci
    expect(() => parseThreshold('five')).toThrow(/--threshold/);
    expect(() => compareResults(base, base, ['speed'], 0.05)).toThrow(/--metric/);
    expect(() => compareResults(base, [cell('native', [1, 2])], ['makespan'], 0.05)).toThrow(
      /nothing|no (workload x )?environment/,
    );
  });
});
