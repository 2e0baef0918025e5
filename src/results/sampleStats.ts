// What per-run tables need of the samples, reduced per run x source: CPU over the
// run's window (barrier to makespan) and memory peaks. A million samples become a
// few hundred rows, computed here over objects or by the columnar engine in SQL.
import type { RunRecord, SampleRecord } from './types.js';

export interface SourceStats {
  run: string;
  source: SampleRecord['source'];
  n: number;
  /** user + system, % of allocation, over the samples with 0 <= t <= makespan */
  cpuSum: number;
  cpuN: number;
  cpuMax: number | null;
  /** peak of the comparable memory (PSS, else the view's used) */
  memMax: number | null;
  pssMax: number | null;
  ussMax: number | null;
  usedMax: number | null;
}

const maxOf = (a: number | null, b: number | null | undefined) =>
  b === null || b === undefined ? a : a === null ? b : Math.max(a, b);

/** The reference implementation over sample objects (the columnar engine computes the same in SQL). */
export function sourceStats(runs: readonly RunRecord[], samples: Iterable<SampleRecord>): SourceStats[] {
  const makespan = new Map(runs.map((r) => [r.run, r.makespanS]));
  const out = new Map<string, SourceStats>();
  for (const s of samples) {
    if (!makespan.has(s.run)) continue;
    const key = `${s.run}\0${s.source}`;
    let st = out.get(key);
    if (!st) {
      st = {
        run: s.run,
        source: s.source,
        n: 0,
        cpuSum: 0,
        cpuN: 0,
        cpuMax: null,
        memMax: null,
        pssMax: null,
        ussMax: null,
        usedMax: null,
      };
      out.set(key, st);
    }
    st.n++;
    const end = makespan.get(s.run);
    if (end !== null && end !== undefined && s.t >= 0 && s.t <= end) {
      const cpu = s.user + s.system;
      st.cpuSum += cpu;
      st.cpuN++;
      st.cpuMax = maxOf(st.cpuMax, cpu);
    }
    st.memMax = maxOf(st.memMax, s.memPssBytes ?? s.memUsedBytes);
    st.pssMax = maxOf(st.pssMax, s.memPssBytes);
    st.ussMax = maxOf(st.ussMax, s.memUssBytes);
    st.usedMax = maxOf(st.usedMax, s.memUsedBytes);
  }
  return [...out.values()];
}

export type StatsByRun = Map<string, SourceStats[]>;

export function statsByRun(stats: readonly SourceStats[]): StatsByRun {
  const out: StatsByRun = new Map();
  for (const s of stats) out.set(s.run, [...(out.get(s.run) ?? []), s]);
  return out;
}

/** The stats of one run's source, if it has samples from it. */
export function statsOf(byRun: StatsByRun, run: string, source: string | undefined): SourceStats | undefined {
  return byRun.get(run)?.find((s) => s.source === source);
}
