// The columnar path and the in-memory reference path must aggregate samples alike:
// every number to 1e-9, every string equal. Shared by unit and integration tests.
import { expect } from 'vitest';
import type { SectionSamples } from '../src/report/sampleSource.js';

const close = (a: number | null, b: number | null) =>
  a === null || b === null ? a === b : Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a));

/** Every number of two aggregates equal to 1e-9, every string equal, the same rows (in any order). */
export function expectSameRows<T extends object>(a: readonly T[], b: readonly T[], key: (x: T) => string) {
  expect(b.length).toBe(a.length);
  const byKey = new Map(b.map((x) => [key(x), x]));
  for (const x of a) {
    const y = byKey.get(key(x)) as Record<string, unknown> | undefined;
    expect(y, key(x)).toBeDefined();
    for (const [k, v] of Object.entries(x)) {
      if (typeof v === 'number') expect(close(v, y![k] as number), `${key(x)} ${k}: ${v} vs ${y![k]}`).toBe(true);
      else expect(y![k], `${key(x)} ${k}`).toEqual(v);
    }
  }
}

export function expectSameSection(a: SectionSamples, b: SectionSamples) {
  expect(b.binS).toBe(a.binS);
  const point = (p: { env: string; instances: number; t: number; series: string }) =>
    `${p.env}/${p.instances}/${p.t.toFixed(6)}/${p.series}`;
  expectSameRows(a.cpuWorker, b.cpuWorker, point);
  expectSameRows(a.cpuHost, b.cpuHost, point);
  expectSameRows(a.cpuPerHost, b.cpuPerHost, (p) => `${p.envLabel}/${point(p)}`);
  expectSameRows(a.memory, b.memory, point);
  expectSameRows(a.network, b.network, point);
  const gap = (g: { run: string; worker: string; t0: number }) => `${g.run}/${g.worker}/${g.t0.toFixed(6)}`;
  expectSameRows(a.workerGaps, b.workerGaps, gap);
  expectSameRows(a.hostGaps, b.hostGaps, gap);
  expect(Object.keys(b.drill).sort()).toEqual(Object.keys(a.drill).sort());
  for (const run of Object.keys(a.drill))
    expectSameRows(a.drill[run]!, b.drill[run]!, (r) => `${r.worker}/${r.t.toFixed(6)}/${r.series}`);
  expect(b.crossCheck.length).toBe(a.crossCheck.length);
  a.crossCheck.forEach((x, i) => {
    const y = b.crossCheck[i]!;
    expect(y.run).toBe(x.run);
    expect(y.a.n).toBe(x.a.n);
    expect(y.b.n).toBe(x.b.n);
    expect(close(x.a.meanPct, y.a.meanPct) && close(x.b.meanPct, y.b.meanPct)).toBe(true);
  });
  expect(b.dockerStats).toBe(a.dockerStats);
  expect(b.workerTotals.length).toBe(a.workerTotals.length);
  a.workerTotals.forEach((x, i) => {
    const y = b.workerTotals[i]!;
    expect(`${y.run}/${y.worker}`).toBe(`${x.run}/${x.worker}`);
    expect(x.cores === null ? y.cores === null : close(x.cores, y.cores!)).toBe(true);
    expect(x.netBytes === null ? y.netBytes === null : close(x.netBytes, y.netBytes!)).toBe(true);
  });
}
