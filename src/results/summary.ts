import { type Describe, describe } from '../stats/basic.js';
import { defsOf, headlineOf, type MetricDefs, measuredCells, workerMean, workloadOf } from './metrics.js';
import { type StatsByRun, statsOf } from './sampleStats.js';
import type { RunRecord } from './types.js';
import { workerSourceOf } from './views.js';

export interface CellSummary {
  workload: string;
  env: string;
  instances: number;
  ok: number;
  failed: number;
  makespanS: Describe | null;
  /** the workload's headline metric over the cell's runs (each run: the mean of its workers) */
  headline: { name: string; unit: string; stat: Describe } | null;
  /** mean CPU of the workers' own view between the barrier and the run's end, % of allocation */
  meanCpuPct: number | null;
  peakCpuPct: number | null;
  peakMemBytes: number | null;
  provisionS: Describe | null;
  failures: string[];
}

/** Per workload x environment x instances, measured runs only (warm-ups excluded). Pure. */
export function summarize(runs: readonly RunRecord[], stats: StatsByRun, defs: MetricDefs = {}): CellSummary[] {
  const cells = measuredCells(runs);
  const out: CellSummary[] = [];
  for (const group of cells.values()) {
    const ok = group.filter((r) => r.status === 'ok');
    let cpuSum = 0;
    let cpuN = 0;
    let peakCpu: number | null = null;
    let peakMem: number | null = null;
    for (const r of ok) {
      // one view per run: not the guest and the QEMU process together
      const own = statsOf(stats, r.run, workerSourceOf(r));
      if (!own) continue;
      cpuSum += own.cpuSum;
      cpuN += own.cpuN;
      if (own.cpuMax !== null) peakCpu = Math.max(peakCpu ?? own.cpuMax, own.cpuMax);
      if (own.memMax !== null) peakMem = Math.max(peakMem ?? own.memMax, own.memMax);
    }
    const nums = (f: (r: RunRecord) => number | null) =>
      ok.map(f).filter((x): x is number => x !== null && Number.isFinite(x));
    const maybe = (xs: number[]) => (xs.length ? describe(xs) : null);
    const workload = workloadOf(group[0]!);
    const head = headlineOf(defsOf(defs, workload));
    const headValues = head ? nums((r) => workerMean(r, head.name)) : [];
    out.push({
      workload,
      env: group[0]!.env,
      instances: group[0]!.instances,
      ok: ok.length,
      failed: group.length - ok.length,
      makespanS: maybe(nums((r) => r.makespanS)),
      headline: head && headValues.length ? { name: head.name, unit: head.unit, stat: describe(headValues) } : null,
      meanCpuPct: cpuN ? cpuSum / cpuN : null,
      peakCpuPct: peakCpu,
      peakMemBytes: peakMem,
      provisionS: maybe(nums((r) => r.provisionS)),
      failures: group.filter((r) => r.status !== 'ok').map((r) => `${r.run}: ${r.reason}`),
    });
  }
  return out.sort(
    (a, b) => a.workload.localeCompare(b.workload) || a.env.localeCompare(b.env) || a.instances - b.instances,
  );
}

/** A number in a table: 3 significant digits, exponent for the very large or small. */
export function formatValue(x: number): string {
  const a = Math.abs(x);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return x.toExponential(2);
  return a >= 100 ? x.toFixed(0) : x.toPrecision(3);
}

/** A fixed-width table for the terminal; a workload column when there are several. */
export function formatSummaryTable(cells: readonly CellSummary[], _defs: MetricDefs = {}): string {
  const several = new Set(cells.map((c) => c.workload)).size > 1;
  const header = [
    ...(several ? ['workload'] : []),
    'env',
    'inst',
    'ok',
    'fail',
    'makespan s (mean ± sd)',
    'median',
    'headline metric (mean)',
    'cpu % alloc',
    'provision s',
  ];
  const rows = cells.map((c) => [
    ...(several ? [c.workload] : []),
    c.env,
    String(c.instances),
    String(c.ok),
    String(c.failed),
    c.makespanS ? `${c.makespanS.mean.toFixed(3)} ± ${c.makespanS.stdev.toFixed(3)}` : '-',
    c.makespanS ? c.makespanS.median.toFixed(3) : '-',
    c.headline ? `${c.headline.name} ${formatValue(c.headline.stat.mean)} ${c.headline.unit}` : '-',
    c.meanCpuPct !== null ? c.meanCpuPct.toFixed(1) : '-',
    c.provisionS ? c.provisionS.mean.toFixed(2) : '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cols: string[]) => cols.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
