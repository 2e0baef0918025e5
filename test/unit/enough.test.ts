// Statistics from too few points are said to be so, not shown as results: the sampler
// cross-check under 5 frames, an interval from fewer than 3 runs.
import { describe, expect, it } from 'vitest';
import { intervalCell } from '../../src/report/enough.js';
import { crossCheckTable, workloadMetricsTable } from '../../src/report/tables.js';
import type { RunRecord } from '../../src/results/types.js';

const row = (run: string, frames: number, diffPts: number) => ({
  run,
  env: 'docker',
  instances: 1,
  a: { source: 'cgroup', meanPct: 50, n: 40 },
  b: { source: 'docker-stats', meanPct: 50 + diffPts, n: frames },
  diffPts,
});

describe('too few points', () => {
  it('an interval needs 3 runs', () => {
    expect(intervalCell(1, 2, 3, String)).toBe('1 – 2');
    expect(intervalCell(1, 2, 2, String)).toBe('2 runs: too few');
  });

  it('the cross-check shows no difference over fewer than 5 frames, and leaves it out of the largest', () => {
    const t = crossCheckTable([row('a', 12, 0.5), row('b', 1, 14)], (e) => e);
    expect(t.rows.map((r) => r.at(-1))).toEqual(['+0.50', '1 frames: too few']);
    expect(t.note).toMatch(/largest difference here is 0\.50 points/);
    expect(t.note).toMatch(/1 run\(s\) had fewer than 5 frames/);
    const thin = crossCheckTable([row('b', 4, 14)], (e) => e);
    expect(thin.note).not.toMatch(/largest/);
  });

  it('a workload metric over 2 runs has its mean and no interval', () => {
    const run = (x: number, i: number) =>
      ({
        run: `r${i}`,
        env: 'docker',
        instances: 1,
        warmup: false,
        status: 'ok',
        workers: [{ metrics: { ops: x } }],
      }) as unknown as RunRecord;
    const defs = { ops: { name: 'ops', unit: 'op/s', better: 'higher' as const, description: '' } };
    const [two] = workloadMetricsTable([run(10, 0), run(12, 1)], defs, (e) => e);
    expect(two!.rows[0]![2]).toBe('11.0 (2 runs: too few for an interval)');
    const [three] = workloadMetricsTable([run(10, 0), run(12, 1), run(11, 2)], defs, (e) => e);
    expect(three!.rows[0]![2]).toMatch(/^11\.0 \[[\d.]+, [\d.]+\]$/);
  });
});
