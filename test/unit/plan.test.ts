// The orchestrator's pure parts: the run plan, the time left, adaptive repetitions, verification.
import { describe, expect, it } from 'vitest';
import { adaptiveRound, cellPrecision, cpusetFor, planRuns, runName } from '../../src/orchestrator/plan.js';
import { estimateRemainingS, formatDuration } from '../../src/orchestrator/progress.js';
import { verifyRun } from '../../src/orchestrator/verify.js';
import { stdev } from '../../src/stats/basic.js';
import { meanInterval, meanIntervalHalfWidthPct } from '../../src/stats/intervals.js';
import { tQuantile975 } from '../../src/stats/tests.js';
// the backends' views (kinds, sample sources) for results that do not record them, as the CLI has them
import '../../src/compose/registry.js';
import { worker } from '../support/records.js';

describe('run plan', () => {
  const base = {
    environments: ['docker', 'native', 'qemu'] as const,
    instances: [1, 2],
    repetitions: 3,
    warmup: 1,
    seed: 1,
  };

  it('expands env x instances x (warm-up + repetitions), warm-ups first', () => {
    const plan = planRuns({ ...base, environments: [...base.environments] });
    expect(plan).toHaveLength(3 * 2 * 4);
    expect(plan.slice(0, 6).every((p) => p.warmup)).toBe(true);
    expect(plan.filter((p) => !p.warmup)).toHaveLength(18);
    expect(plan.map((p) => p.index)).toEqual(plan.map((_, i) => i));
  });

  it('interleaves environments in a seeded order that differs across rounds', () => {
    const a = planRuns({ ...base, environments: [...base.environments] });
    const b = planRuns({ ...base, environments: [...base.environments] });
    expect(a).toEqual(b);
    const orders = new Set<string>();
    for (let i = 0; i < a.length; i += 3)
      orders.add(
        a
          .slice(i, i + 3)
          .map((p) => p.env)
          .join(','),
      );
    expect(orders.size).toBeGreaterThan(1);
  });

  it('names runs and pins CPUs in blocks', () => {
    expect(runName({ index: 0, env: 'docker', instances: 2, repetition: -1, warmup: true })).toBe('001-docker-x2-w1');
    expect(runName({ index: 9, env: 'native', instances: 1, repetition: 0, warmup: false })).toBe('010-native-x1-r1');
    expect(cpusetFor(0, 1, 2)).toEqual([0]);
    expect(cpusetFor(1, 1, 2)).toEqual([1]);
    expect(cpusetFor(2, 1, 2)).toEqual([0]);
    expect(cpusetFor(1, 2, 4)).toEqual([2, 3]);
  });
});

describe('progress', () => {
  it('expects each remaining run to take the mean of its environment, else of all runs', () => {
    const done = [
      { env: 'docker', seconds: 2 },
      { env: 'docker', seconds: 4 },
      { env: 'qemu', seconds: 40 },
    ];
    expect(estimateRemainingS(done, [{ env: 'docker' }, { env: 'qemu' }])).toBe(3 + 40);
    // native not seen yet: the mean of everything so far
    expect(estimateRemainingS(done, [{ env: 'native' }])).toBeCloseTo(46 / 3, 10);
    expect(estimateRemainingS([], [{ env: 'docker' }])).toBeNull();
    expect(estimateRemainingS(done, [])).toBe(0);
  });

  it('says durations the way people do', () => {
    expect(formatDuration(0.2)).toBe('1 s');
    expect(formatDuration(45)).toBe('45 s');
    expect(formatDuration(240)).toBe('4 min');
    expect(formatDuration(80 * 60)).toBe('80 min');
    expect(formatDuration(95 * 60)).toBe('1 h 35 min');
  });
});

describe('adaptive repetitions', () => {
  const e = {
    environments: ['docker', 'qemu'] as ('docker' | 'qemu')[],
    instances: [1],
    repetitions: 3,
    seed: 1,
    adaptive: { targetCiPct: 5, maxRepetitions: 6 },
  };
  const runs = (env: string, makespans: (number | null)[]) =>
    makespans.map((m) => ({ env, instances: 1, makespanS: m, ok: m !== null }));

  it('uses the Student-t interval: textbook quantiles, honest with few runs', () => {
    // R: qt(0.975, c(1, 4, 30, 60, 1000))
    expect(tQuantile975(1)).toBeCloseTo(12.7062, 3);
    expect(tQuantile975(4)).toBeCloseTo(2.77645, 4);
    expect(tQuantile975(30)).toBeCloseTo(2.04227, 4);
    expect(tQuantile975(60)).toBeCloseTo(2.0003, 3);
    expect(tQuantile975(1000)).toBeCloseTo(1.96234, 4);
    // the stop rule reads the interval the tables print (log-t), its widest side
    const xs = [9, 10, 11, 10];
    const i = meanInterval(xs);
    expect(meanIntervalHalfWidthPct(xs)).toBeCloseTo((100 * Math.max(i.hi - 10, 10 - i.lo)) / 10, 9);
    expect(i.method).toBe('log-t');
    // about the plain t interval's width (3.182 * sd / 2 / mean) for data this tight, a little wider above
    expect(meanIntervalHalfWidthPct(xs)).toBeGreaterThan(((3.182446305 * stdev(xs)) / 2 / 10) * 100);
    expect(meanIntervalHalfWidthPct(xs)).toBeLessThan(((3.182446305 * stdev(xs)) / 2 / 10) * 100 * 1.2);
    expect(meanIntervalHalfWidthPct([5])).toBeNull();
  });

  it('adds a round only for the cells still wider than the target, up to the cap', () => {
    const tight = runs('docker', [1.0, 1.01, 0.99]); // about ±2.5%
    const wide = runs('qemu', [10, 14, 8]); // about ±38%
    const cells = cellPrecision(e, [...tight, ...wide]);
    expect(cells.find((c) => c.env === 'docker')).toMatchObject({ attempted: 3, ok: 3, met: true });
    expect(cells.find((c) => c.env === 'qemu')).toMatchObject({ attempted: 3, ok: 3, met: false });
    const round = adaptiveRound(e, cells, 6, 1);
    expect(round).toEqual([{ index: 6, workload: null, env: 'qemu', instances: 1, repetition: 3, warmup: false }]);
    expect(runName(round[0]!)).toBe('007-qemu-x1-r4');
    // at the cap (failed runs count, so a cell that always fails ends too)
    const capped = cellPrecision(e, [...tight, ...runs('qemu', [10, 14, 8, null, null, 12])]);
    expect(adaptiveRound(e, capped, 9, 2)).toEqual([]);
    // without the adaptive section nothing is added
    expect(adaptiveRound({ ...e, adaptive: undefined }, cells, 6, 1)).toEqual([]);
  });

  it('needs two successful runs before a cell can be judged', () => {
    const cells = cellPrecision(e, runs('docker', [1, null, null]));
    expect(cells[0]).toMatchObject({ ok: 1, halfWidthPct: null, met: false });
  });
});

describe('run verification', () => {
  it('accepts agreeing workers', () => {
    expect(verifyRun([worker(), worker({ worker: 'w1' })], undefined)).toEqual({ ok: true, checksum: 'aaaa' });
    expect(verifyRun([worker()], 'aaaa')).toEqual({ ok: true, checksum: 'aaaa' });
  });

  it('fails a run whose checksum differs from the reference, never reporting it as fast', () => {
    const v = verifyRun([worker({ checksum: 'bbbb' })], 'aaaa');
    expect(v).toEqual({ ok: false, reason: expect.stringContaining('checksum bbbb differs from aaaa') });
  });

  it('fails disagreeing workers, crashes and missing results with a reason', () => {
    expect(verifyRun([worker(), worker({ worker: 'w1', checksum: 'cccc' })], undefined)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('disagree'),
    });
    expect(verifyRun([worker({ exitCode: 1, reason: 'exit code 1', stderrTail: 'boom' })], undefined)).toMatchObject({
      ok: false,
      reason: 'w0: exit code 1 — boom',
    });
    expect(verifyRun([worker({ checksum: null })], undefined)).toMatchObject({
      ok: false,
      reason: 'w0: no verified result line',
    });
  });

  it('names the cause before its consequences: a client’s own error before the server’s unverified result', () => {
    const server = worker({ worker: 'gvisor-0', reason: 'result not verified', checksum: null });
    const client = worker({
      worker: 'gvisor-1',
      exitCode: 1,
      stderrTail: 'iperf3: error - control socket has closed unexpectedly',
      checksum: null,
    });
    expect(verifyRun([server, client], undefined)).toEqual({
      ok: false,
      reason:
        'gvisor-1: exit code 1 — iperf3: error - control socket has closed unexpectedly; gvisor-0: result not verified',
    });
  });
});
