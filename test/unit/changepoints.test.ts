// Change-point detection on synthetic series with known answers.
import { describe, expect, it } from 'vitest';
import { changePoints, DEFAULT_CHANGE_OPTIONS } from '../../src/history/changepoints.js';
import { mulberry32 } from '../../src/stats/random.js';
import { tQuantile, tTwoSided, welch } from '../../src/stats/tdist.js';

function noise(seed: number) {
  const rand = mulberry32(seed);
  return () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

describe('Student t', () => {
  it('matches tabulated values', () => {
    expect(tTwoSided(2.228, 10)).toBeCloseTo(0.05, 3);
    expect(tTwoSided(2.0, 10)).toBeCloseTo(0.0734, 4);
    expect(tTwoSided(1.96, 1e6)).toBeCloseTo(0.05, 4);
    expect(tQuantile(0.975, 5)).toBeCloseTo(2.571, 3);
    const w = welch([1, 2, 3, 4], [3, 4, 5, 6]);
    expect(w.diff).toBe(2);
    expect(w.df).toBeCloseTo(6, 6);
    expect(w.p).toBeCloseTo(0.071, 3);
  });
});

describe('E-divisive change points', () => {
  it('finds a 10% step after 20 points in 3% noise at the right index', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const z = noise(seed);
      const xs = Array.from({ length: 40 }, (_, i) => (i < 20 ? 100 : 110) * (1 + 0.03 * z()));
      const cps = changePoints(xs);
      expect(
        cps.map((c) => c.index),
        `seed ${seed}`,
      ).toEqual([20]);
      expect(cps[0]!.change).toBeGreaterThan(0.05);
      expect(cps[0]!.ci95[0]).toBeGreaterThan(0);
    }
  });

  it('flags a linear drift of 1% per point', () => {
    const z = noise(11);
    const xs = Array.from({ length: 30 }, (_, i) => 100 * (1 + 0.01 * i) * (1 + 0.03 * z()));
    const cps = changePoints(xs);
    expect(cps.length).toBeGreaterThan(0);
    expect(cps.every((c) => c.change > 0)).toBe(true);
  });

  it('keeps false alarms at or below the level over 1000 flat noisy series', () => {
    let alarms = 0;
    for (let s = 0; s < 1000; s++) {
      const z = noise(1000 + s);
      const xs = Array.from({ length: 30 }, () => 100 * (1 + 0.03 * z()));
      if (changePoints(xs).length > 0) alarms++;
    }
    expect(alarms / 1000).toBeLessThanOrEqual(DEFAULT_CHANGE_OPTIONS.alpha);
  });

  it('does not take a single outlier for a change point, wherever it is', () => {
    for (const at of [3, 15, 29]) {
      const z = noise(at);
      const xs = Array.from({ length: 30 }, (_, i) => (i === at ? 160 : 100) * (1 + 0.03 * z()));
      expect(changePoints(xs), `outlier at ${at}`).toEqual([]);
    }
  });

  it('finds two steps, and is deterministic', () => {
    const z = noise(7);
    const xs = Array.from({ length: 45 }, (_, i) => (i < 15 ? 100 : i < 30 ? 120 : 100) * (1 + 0.02 * z()));
    const a = changePoints(xs);
    expect(a.map((c) => c.index)).toEqual([15, 30]);
    expect(changePoints(xs)).toEqual(a);
  });
});
