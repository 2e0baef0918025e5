// The gate's false-positive rate on A/A comparisons (the same population on both sides),
// a small version of bench/gate.bench.mjs on synthetic data with drift between blocks.
import { describe, expect, it } from 'vitest';
import { compareResults } from '../../src/compare/compare.js';
import type { CellMetrics } from '../../src/results/metrics.js';
import { gaussian, mulberry32 } from '../../src/stats/random.js';

const defs = { w: { makespan: { name: 'makespan', unit: 's', better: 'lower' as const, description: '' } } };
const views = {
  docker: { label: 'd', short: 'container', kind: 'container', color: '#1', workerSource: 'cgroup' },
  native: { label: 'n', short: 'native', kind: 'baseline', color: '#2', workerSource: 'process' },
} as const;

function side(rand: () => number, n: number, slowDocker = 1): CellMetrics[] {
  const drift = Array.from({ length: n }, () => Math.exp(0.1 * gaussian(rand)));
  const cell = (env: string, mu: number): CellMetrics => {
    const v = drift.map((d) => mu * d * Math.exp(0.05 * gaussian(rand)));
    return {
      workload: 'w',
      env,
      instances: 1,
      ok: n,
      failed: 0,
      runs: [],
      values: { makespan: v },
      blocks: { makespan: v.map((_, i) => i) },
      metrics: {},
    };
  };
  return [cell('docker', 4 * slowDocker), cell('native', 3.3)];
}

function regressedShare(n: number, slowDocker: number, trials: number, falsePositive?: number): number {
  const rand = mulberry32(n * 1009 + Math.round(slowDocker * 100));
  let regressed = 0;
  for (let t = 0; t < trials; t++) {
    const c = compareResults(
      side(rand, n),
      side(rand, n, slowDocker),
      ['makespan', 'overhead'],
      0.05,
      views,
      defs,
      falsePositive,
    );
    if (c.regressed) regressed++;
  }
  return regressed / trials;
}

describe('the gate', () => {
  it('calls at most about 1% of A/A comparisons regressed, over all its rows', () => {
    for (const n of [3, 10]) expect(regressedShare(n, 1, 600)).toBeLessThanOrEqual(0.015);
  });

  it('would cry wolf several times as often gating each row on its 95% interval', () => {
    // a 95% interval per row over 3 rows: about 2.5% one-sided each
    expect(regressedShare(10, 1, 600, 0.075)).toBeGreaterThan(0.03);
  });

  it('still finds a 10% slowdown of the container with 20 blocks a side', () => {
    expect(regressedShare(20, 1.1, 200)).toBeGreaterThan(0.8);
  });
});
