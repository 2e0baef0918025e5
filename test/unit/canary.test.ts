import { describe, expect, it } from 'vitest';
import { canaryReference, normalizeByCanary } from '../../src/compare/normalize.js';
import { canaryDrift, canaryText } from '../../src/results/canary.js';
import type { RunRecord } from '../../src/results/types.js';
import { UsageError } from '../../src/util/errors.js';

const run = (index: number, speed: number | null, makespanS = 10): RunRecord =>
  ({
    run: `r${index}`,
    index,
    env: 'native',
    instances: 1,
    repetition: index,
    warmup: false,
    status: 'ok',
    reason: null,
    workKey: 'k',
    checksum: null,
    barrierAt: null,
    provisionS: 0,
    makespanS,
    workers: [{ worker: 'w0', metrics: { ops: 100, seconds: 5, spinPct: 50 } }],
    phases: [],
    ...(speed === null ? {} : { canary: { mstepsPerS: speed, at: `t${index}`, cpu: 0 } }),
  }) as unknown as RunRecord;

describe('drift canary', () => {
  it('marks the runs taken while the host was more than the threshold off its median', () => {
    const d = canaryDrift([run(0, 100), run(1, 102), run(2, 98), run(3, 60), run(4, 55)])!;
    expect(d.median).toBe(98);
    expect(d.flagged).toEqual(['r3', 'r4']);
    expect(canaryText(d)).toContain('2 run(s) taken while the host was more than 10% off: r3, r4');
    expect(canaryDrift([run(0, null)])).toBeNull();
    // a host whose speed moves past the threshold as a rule: said as such, not as events
    const wobbly = canaryDrift([run(0, 100), run(1, 60), run(2, 140), run(3, 100), run(4, 50)])!;
    expect(canaryText(wobbly)).toContain('3 of 5 runs were taken while the host was more than 10% off');
  });

  it('normalizes times and rates by the canary, leaving the rest', () => {
    const defs = {
      '': {
        ops: { name: 'ops', unit: 'op/s', better: 'higher' as const, description: '' },
        seconds: { name: 'seconds', unit: 's', better: 'lower' as const, description: '' },
        spinPct: { name: 'spinPct', unit: '%', better: 'lower' as const, description: '' },
      },
    };
    // the candidate ran on a host half as fast: twice the makespan, half the ops
    const base = [run(0, 100, 10)];
    const cand = [run(1, 50, 20)];
    cand[0]!.workers[0]!.metrics = { ops: 50, seconds: 10, spinPct: 50 };
    const ref = canaryReference([
      { name: 'base', runs: base },
      { name: 'cand', runs: cand },
    ]);
    const [b] = normalizeByCanary(base, ref, defs);
    const [c] = normalizeByCanary(cand, ref, defs);
    expect(c!.makespanS! / b!.makespanS!).toBeCloseTo(1, 12);
    expect(c!.workers[0]!.metrics.ops! / b!.workers[0]!.metrics.ops!).toBeCloseTo(1, 12);
    expect(c!.workers[0]!.metrics.seconds! / b!.workers[0]!.metrics.seconds!).toBeCloseTo(1, 12);
    expect(c!.workers[0]!.metrics.spinPct).toBe(50);
  });

  it('refuses to normalize results without canary readings, naming them', () => {
    expect(() => canaryReference([{ name: 'old-results', runs: [run(0, null)] }])).toThrow(UsageError);
    expect(() => canaryReference([{ name: 'old-results', runs: [run(0, null)] }])).toThrow(/old-results/);
  });
});
