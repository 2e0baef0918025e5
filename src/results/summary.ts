import { type Describe, describe } from '../stats/basic.js';
import {
  cellKey,
  cellMetrics,
  defsOf,
  headlineOf,
  type MetricDefs,
  measuredCells,
  type OverheadRatio,
} from './metrics.js';
import type { StatsByRun } from './sampleStats.js';
import type { RunRecord } from './types.js';

export interface CellSummary {
  workload: string;
  env: string;
  instances: number;
  ok: number;
  failed: number;
  makespanS: Describe | null;
  /** the mean makespan's 95% interval (log-t); null below 2 runs */
  makespanCi95: [number, number] | null;
  /** the smallest change of the mean makespan a like run could detect (80% power, 5% two-sided) */
  makespanMde: number | null;
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
      makespanCi95: (stat('makespan')?.n ?? 0) >= 2 ? stat('makespan')!.ci95 : null,
      makespanMde: stat('makespan')?.mde ?? null,
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
    '95% CI',
    'detectable',
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
    c.makespanCi95 ? `${c.makespanCi95[0].toFixed(2)}–${c.makespanCi95[1].toFixed(2)}` : '-',
    c.makespanMde !== null ? `${(100 * c.makespanMde).toFixed(0)}%` : '-',
    c.headline ? `${c.headline.name} ${formatValue(c.headline.stat.mean)} ${c.headline.unit}` : '-',
    c.meanCpuPct !== null ? c.meanCpuPct.toFixed(1) : '-',
    c.provisionS ? c.provisionS.mean.toFixed(2) : '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cols: string[]) => cols.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '95% CI: of the mean makespan (log-t). detectable: the smallest change of it a comparison with a like run would see (80% power, 5% two-sided).',
  ].join('\n');
}

/** The overhead ratios under the table: paired by block where 2 or more blocks pair, else unpaired; each says which. */
export function formatRatioLines(ratios: readonly OverheadRatio[]): string {
  const several = new Set(ratios.map((r) => r.workload)).size > 1;
  return ratios
    .map((r) => {
      const who = `${several ? `${r.workload}: ` : ''}${r.pair} x${r.instances}`;
      const p = r.paired;
      const [est, [lo, hi], how, mde] = p
        ? [
            p.ratio,
            p.ci95,
            `paired over ${p.blocks} blocks${p.broken.length ? `, broken: ${p.broken.join('; ')}` : ''}`,
            p.mde,
          ]
        : [r.ratio, r.ci95, 'unpaired ratio of means', r.mde];
      // one run a side has no spread: neither an interval nor a detectable change
      if (mde === null) return `${who}: ${est.toFixed(3)} (${how}; too few runs for an interval)`;
      return `${who}: ${est.toFixed(3)} (95% ${lo.toFixed(3)}–${hi.toFixed(3)}, ${how}; could not have seen a change under ${(100 * mde).toFixed(0)}%)`;
    })
    .join('\n');
}
