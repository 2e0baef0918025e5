// `compare --normalize canary`: baseline and candidate measured at different times, on a
// host whose speed drifts, brought to one host speed. Each run's times are scaled by its
// block's canary against the median canary of both sides together (a run on a host 10%
// slow than usual counts 10% faster); rates the other way. CPU shares and memory are left
// alone: a slower clock does not change them. Pure.
import type { MetricDefs } from '../results/metrics.js';
import type { RunRecord } from '../results/types.js';
import { median } from '../stats/basic.js';
import { UsageError } from '../util/errors.js';

const TIME_UNITS = new Set(['s', 'ms', 'us', 'µs', 'ns']);

/** The median canary of every run of both sides; refuses a side without canary readings. */
export function canaryReference(sides: readonly { name: string; runs: readonly RunRecord[] }[]): number {
  const speeds: number[] = [];
  for (const side of sides) {
    const mine = side.runs.filter((r) => r.canary && r.canary.mstepsPerS > 0).map((r) => r.canary!.mstepsPerS);
    if (!mine.length)
      throw new UsageError(
        `--normalize canary: ${side.name} has no drift canary readings (results from before the canary, or run with --no-canary)`,
      );
    speeds.push(...mine);
  }
  return median(speeds);
}

/** The runs with makespan and the workload's time and rate metrics scaled to the reference host speed. */
export function normalizeByCanary(runs: readonly RunRecord[], reference: number, defs: MetricDefs): RunRecord[] {
  return runs.map((r) => {
    if (!r.canary) return r;
    // > 1: the host was faster than usual, so its times are stretched back
    const speed = r.canary.mstepsPerS / reference;
    const mine = defs[r.workload ?? ''] ?? Object.values(defs)[0] ?? {};
    const scale = (name: string, v: number) => {
      const d = mine[name];
      if (!d) return v;
      if (d.better === 'higher') return v / speed;
      return TIME_UNITS.has(d.unit) ? v * speed : v;
    };
    return {
      ...r,
      makespanS: r.makespanS === null ? null : r.makespanS * speed,
      workers: r.workers.map((w) => ({
        ...w,
        metrics: Object.fromEntries(Object.entries(w.metrics ?? {}).map(([k, v]) => [k, scale(k, v)])),
      })),
    };
  });
}
