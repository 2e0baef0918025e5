// A suite's overview: per workload and environment, the overhead against the
// native baseline with its interval, as a table and a heat map, so where the
// overhead comes from (CPU, memory, system calls, I/O) shows at a glance. Pure.
import { defsOf, headlineOf, type MetricDefs, workerMean, workloadOf } from '../results/metrics.js';
import { formatValue } from '../results/summary.js';
import type { RunRecord } from '../results/types.js';
import { envRank, type Views, viewOf } from '../results/views.js';
import { ratioInterval } from '../stats/intervals.js';
import { intervalCell, MIN_FOR_INTERVAL } from './enough.js';
import type { Figure, Table } from './html.js';
import type { VlSpec } from './specs.js';

export interface OverheadCell {
  workload: string;
  env: string;
  envLabel: string;
  instances: number;
  /** the metric the overhead is taken on: the headline, else makespan */
  metric: string;
  unit: string;
  /** > 1: slower than native by that factor (oriented by the metric's direction) */
  overhead: number;
  lo: number;
  hi: number;
  n: number;
  nBaseline: number;
  makespanRatio: number | null;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function runValue(r: RunRecord, metric: string): number | null {
  if (metric === 'makespan') return r.makespanS;
  return workerMean(r, metric);
}

/** How many times worse `mine` is than `base`, oriented by the metric's direction (a throughput: base ÷ mine; a time: mine ÷ base). */
export function overheadRatio(better: 'higher' | 'lower', mine: readonly number[], base: readonly number[]) {
  return better === 'higher' ? ratioInterval(base, mine) : ratioInterval(mine, base);
}

/** Overhead of every non-baseline environment against the baseline, per workload and density. */
export function overheadCells(runs: readonly RunRecord[], defs: MetricDefs, views?: Views): OverheadCell[] {
  const ok = runs.filter((r) => !r.warmup && r.status === 'ok');
  const envs = [...new Set(runs.map((r) => r.env))];
  const baseline = envs.find((e) => viewOf(e, views).kind === 'baseline');
  if (!baseline) return [];
  const out: OverheadCell[] = [];
  for (const workload of [...new Set(runs.map(workloadOf))]) {
    const head = headlineOf(defsOf(defs, workload));
    const metric = head?.name ?? 'makespan';
    // without a headline: makespan, a time
    const better = head?.better ?? 'lower';
    for (const instances of [...new Set(runs.map((r) => r.instances))].sort((a, b) => a - b)) {
      const cell = (env: string) =>
        ok.filter((r) => workloadOf(r) === workload && r.env === env && r.instances === instances);
      const values = (env: string, m: string) =>
        cell(env)
          .map((r) => runValue(r, m))
          .filter((x): x is number => x !== null && Number.isFinite(x) && x > 0);
      const base = values(baseline, metric);
      if (!base.length) continue;
      for (const env of envs) {
        if (env === baseline) continue;
        const mine = values(env, metric);
        if (!mine.length) continue;
        const r = overheadRatio(better, mine, base);
        const ms = values(env, 'makespan');
        const msBase = values(baseline, 'makespan');
        out.push({
          workload,
          env,
          envLabel: viewOf(env, views).label,
          instances,
          metric,
          unit: head?.unit ?? 's',
          overhead: r.estimate,
          lo: r.lo,
          hi: r.hi,
          n: mine.length,
          nBaseline: base.length,
          makespanRatio: ms.length && msBase.length ? mean(ms) / mean(msBase) : null,
        });
      }
    }
  }
  return out.sort(
    (a, b) =>
      a.workload.localeCompare(b.workload) ||
      a.instances - b.instances ||
      envRank(a.env, views) - envRank(b.env, views),
  );
}

/** A heat map: workloads down, environment × density across, colour = overhead, text = overhead [interval]. */
export function overheadHeatmapSpec(cells: readonly OverheadCell[]): VlSpec {
  // two label lines (environment, density), the column as wide as the longer one needs
  const rows = cells.map((c) => ({
    ...c,
    column: `${c.envLabel}\n×${c.instances}`,
    text: `${c.overhead.toFixed(2)}`,
    interval:
      Math.min(c.n, c.nBaseline) >= MIN_FOR_INTERVAL
        ? `[${c.lo.toFixed(2)}, ${c.hi.toFixed(2)}]`
        : `${Math.min(c.n, c.nBaseline)} runs: no interval`,
  }));
  const hi = Math.max(1.5, ...cells.map((c) => c.overhead));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: 'Overhead against native, per workload',
      subtitle: ['ratio on each workload’s headline metric (> 1: slower); 95% interval below'],
      anchor: 'start',
    },
    data: { values: rows },
    width: { step: Math.max(90, ...cells.map((c) => 7 * c.envLabel.length + 12)) },
    height: { step: 42 },
    encoding: {
      x: {
        field: 'column',
        type: 'nominal',
        title: null,
        sort: null,
        axis: {
          labelAngle: 0,
          orient: 'top',
          labelExpr: "split(datum.label, '\\n')",
          labelLimit: 0,
          // two lines drawn down from the label's anchor: lift them clear of the cells
          labelPadding: 16,
          domain: false,
          ticks: false,
        },
      },
      y: { field: 'workload', type: 'nominal', title: null },
    },
    layer: [
      {
        mark: { type: 'rect', stroke: '#fff' },
        encoding: {
          color: {
            field: 'overhead',
            type: 'quantitative',
            title: 'overhead',
            scale: {
              type: 'linear',
              domain: [Math.min(0.8, ...cells.map((c) => c.overhead)), 1, hi],
              range: ['#4575b4', '#f7f7f7', '#d73027'],
            },
          },
          tooltip: [
            { field: 'workload' },
            { field: 'envLabel', title: 'environment' },
            { field: 'instances' },
            { field: 'metric' },
            { field: 'overhead', format: '.3f' },
            { field: 'lo', format: '.3f' },
            { field: 'hi', format: '.3f' },
            { field: 'n' },
          ],
        },
      },
      { mark: { type: 'text', dy: -7, fontSize: 12, fontWeight: 'bold' }, encoding: { text: { field: 'text' } } },
      { mark: { type: 'text', dy: 8, fontSize: 9, color: '#333' }, encoding: { text: { field: 'interval' } } },
    ],
    config: { font: 'DejaVu Sans, sans-serif', view: { stroke: null }, axis: { labelFontSize: 10 } },
  };
}

/** The overview part of a suite report. */
export function suiteOverview(
  runs: readonly RunRecord[],
  defs: MetricDefs,
  views?: Views,
): { tables: Table[]; figures: Figure[] } {
  const cells = overheadCells(runs, defs, views);
  const table: Table = {
    title: 'Suite overview: overhead against native',
    columns: [
      'workload',
      'environment',
      'instances',
      'metric',
      'overhead',
      '95% CI',
      'makespan ratio',
      'runs (env / native)',
    ],
    rows: cells.map((c) => [
      c.workload,
      c.envLabel,
      c.instances,
      `${c.metric} (${c.unit})`,
      c.overhead.toFixed(3),
      intervalCell(c.lo, c.hi, Math.min(c.n, c.nBaseline), (x) => x.toFixed(3)),
      c.makespanRatio === null ? '–' : formatValue(c.makespanRatio),
      `${c.n} / ${c.nBaseline}`,
    ]),
    note: cells.length
      ? 'Overhead = how many times worse than native on the workload’s headline metric (a throughput: native ÷ env; a time: env ÷ native); 1 = no overhead. Intervals: 95%, Student t on the log scale with Welch’s degrees of freedom (docs/statistics.md).'
      : 'No overhead against native: the experiment has no native baseline with successful runs.',
  };
  const figures: Figure[] = cells.length
    ? [
        {
          id: 'suite-overhead',
          title: 'Overhead against native, as a heat map',
          caption:
            'One cell per workload, environment and density: the ratio on the workload’s headline metric, blue below 1, red above, with its 95% interval. Each workload’s own section below has the paper’s figures.',
          spec: overheadHeatmapSpec(cells),
        },
      ]
    : [];
  return { tables: [table], figures };
}
