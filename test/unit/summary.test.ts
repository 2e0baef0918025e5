// Per-cell summaries and the terminal table.
import { describe, expect, it } from 'vitest';
import { sourceStats, statsByRun } from '../../src/results/sampleStats.js';
import { formatSummaryTable, summarize } from '../../src/results/summary.js';
import type { RunRecord, SampleRecord } from '../../src/results/types.js';
import { describe as describeStats, median, stdev } from '../../src/stats/basic.js';
// the backends' views (kinds, sample sources) for results that do not record them, as the CLI has them
import '../../src/compose/registry.js';
import { worker } from '../support/records.js';

describe('summary and statistics', () => {
  it('computes median, sample stdev and cv', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(stdev([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(2.138, 3);
    expect(describeStats([1, 1]).cv).toBe(0);
  });

  it('summarises measured runs per cell, CPU between barrier and end from the workers only', () => {
    const run = (name: string, env: string, makespan: number, status: 'ok' | 'failed', warmup = false): RunRecord => ({
      run: name,
      index: 0,
      env,
      instances: 1,
      repetition: warmup ? -1 : 0,
      warmup,
      status,
      reason: status === 'ok' ? null : 'x',
      workKey: 'k',
      checksum: 'aaaa',
      barrierAt: null,
      provisionS: 1,
      makespanS: makespan,
      workers: [worker()],
      phases: [],
    });
    const sample = (r: string, t: number, user: number, source: SampleRecord['source'] = 'cgroup'): SampleRecord => ({
      run: r,
      workload: '',
      env: 'docker',
      instances: 1,
      repetition: 0,
      worker: 'w0',
      source,
      t,
      user,
      system: 0,
      iowait: null,
      steal: null,
      idle: null,
      cores: user / 100,
      allocCpus: 1,
      memUsedBytes: 100,
      memCachedBytes: null,
      memLimitBytes: null,
    });
    const cells = summarize(
      [
        run('a', 'docker', 2, 'ok'),
        run('b', 'docker', 4, 'ok'),
        run('c', 'docker', 1, 'failed'),
        run('w', 'docker', 100, 'ok', true),
      ],
      statsByRun(
        sourceStats(
          [run('a', 'docker', 2, 'ok'), run('b', 'docker', 4, 'ok')],
          [
            sample('a', -0.5, 0),
            sample('a', 1, 80),
            sample('b', 2, 60),
            sample('b', 3, 100, 'host'),
            sample('a', 9, 0),
          ],
        ),
      ),
    );
    expect(cells).toHaveLength(1);
    const c = cells[0]!;
    expect(c).toMatchObject({ ok: 2, failed: 1, meanCpuPct: 70, peakCpuPct: 80 });
    expect(c.makespanS?.mean).toBe(3);
    expect(c.failures).toEqual(['c: x']);
    expect(formatSummaryTable(cells)).toContain('3.000 ± 1.414');
  });
});
