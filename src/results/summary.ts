import { type Describe, describe } from '../stats/basic.js';
import { cellKey, cellMetrics, defsOf, headlineOf, type MetricDefs, measuredCells } from './metrics.js';
import type { StatsByRun } from './sampleStats.js';
import type { RunRecord } from './types.js';

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

/**
 * Per workload x environment x instances, measured runs only (warm-ups excluded): the
 * terminal table's view of cellMetrics, so the table, summary.json, compare and history
 * agree. CPU is the mean over the cell's ok runs of each run's mean (every run weighs the
 * same, as for makespan); peaks are the highest of any run. Pure.
 */
export function summarize(runs: readonly RunRecord[], stats: StatsByRun, defs: MetricDefs = {}): CellSummary[] {
  const cells = measuredCells(runs);
  const out: CellSummary[] = [];
  for (const cell of cellMetrics(runs, stats, defs)) {
    const group = cells.get(cellKey(cell))!;
    const ok = group.filter((r) => r.status === 'ok');
    const stat = (name: string) => cell.metrics[name] ?? null;
    const head = headlineOf(defsOf(defs, cell.workload));
    const headStat = head ? stat(head.name) : null;
    const provision = ok.map((r) => r.provisionS).filter((x): x is number => x !== null && Number.isFinite(x));
    out.push({
      workload: cell.workload,
      env: cell.env,
      instances: cell.instances,
      ok: cell.ok,
      failed: cell.failed,
      makespanS: stat('makespan') ? describe(cell.values.makespan!) : null,
      headline: head && headStat ? { name: head.name, unit: head.unit, stat: describe(cell.values[head.name]!) } : null,
      meanCpuPct: stat('cpu')?.mean ?? null,
      peakCpuPct: stat('cpuPeak')?.max ?? null,
      peakMemBytes: stat('memory')?.max ?? null,
      provisionS: provision.length ? describe(provision) : null,
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
