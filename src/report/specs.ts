// Vega-Lite specs of the report's figures, as pure functions of aggregated rows.
// The look follows the paper's Fig. 3-7: panels per environment and density,
// CPU in % over time with User / System / Wait series.
import type { CellStat, DrillRow, GapSpan, PhaseRule, SeriesPoint } from './aggregate.js';

export type VlSpec = Record<string, unknown>;

export const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const CPU_SERIES = ['User CPU', 'System CPU', 'Wait CPU', 'Steal CPU'];
const CPU_COLORS = ['#d62728', '#1f77b4', '#e6a700', '#7f7f7f'];
const CPU_SHAPES = ['square', 'circle', 'triangle-up', 'diamond'];
const MEM_SERIES = ['Workload PSS', 'Workload USS', 'Used memory', 'Cached memory'];
const FONT = 'DejaVu Sans, sans-serif';

/** the look every figure shares (font, axes, legend at the bottom) */
export const config = {
  font: FONT,
  view: { stroke: '#bbb' },
  axis: { labelFontSize: 10, titleFontSize: 11, gridColor: '#eee' },
  header: { labelFontSize: 11, titleFontSize: 11 },
  legend: { orient: 'bottom', labelFontSize: 10, titleFontSize: 10 },
};

function envSort(rows: readonly { envLabel: string }[]): string[] {
  return [...new Set(rows.map((r) => r.envLabel))];
}

/** Fig. 6: CPU over time, rows = environment, columns = instances per host. */
export function cpuGridSpec(
  rows: readonly SeriesPoint[],
  opts: { title: string; subtitle: string[]; gaps?: readonly GapSpan[] },
): VlSpec {
  const present = CPU_SERIES.filter((s) => rows.some((r) => r.series === s));
  const idx = present.map((s) => CPU_SERIES.indexOf(s));
  return timeGrid(rows, {
    ...opts,
    yTitle: 'CPU (%)',
    yDomain: [0, 100],
    series: { domain: present, colors: idx.map((i) => CPU_COLORS[i]!), shapes: idx.map((i) => CPU_SHAPES[i]!) },
  });
}

/** Fig. 7: memory over time, same grid. */
export function memoryGridSpec(
  rows: readonly SeriesPoint[],
  opts: { title: string; subtitle: string[]; gaps?: readonly GapSpan[] },
): VlSpec {
  const present = MEM_SERIES.filter((s) => rows.some((r) => r.series === s));
  return timeGrid(rows, {
    ...opts,
    yTitle: 'Memory (GB)',
    yDomain: null,
    series: {
      domain: present,
      colors: ['#d62728', '#2ca02c'].slice(0, present.length),
      shapes: ['square', 'circle'].slice(0, present.length),
    },
  });
}

/** Network over time: each worker's received and sent MB/s, same grid. */
export function networkGridSpec(
  rows: readonly SeriesPoint[],
  opts: { title: string; subtitle: string[]; gaps?: readonly GapSpan[] },
): VlSpec {
  const present = ['Received', 'Sent'].filter((s) => rows.some((r) => r.series === s));
  return timeGrid(rows, {
    ...opts,
    yTitle: 'Network (MB/s)',
    yDomain: null,
    series: { domain: present, colors: ['#9467bd', '#8c564b'].slice(0, present.length), shapes: ['square', 'circle'] },
  });
}

/**
 * Grey bands where a worker has no samples (its sampler was reconnecting), so a
 * line drawn across the hole is never read as data: the rows passing `filter`,
 * from field `x0` to field `t1`.
 */
function gapBand(filter: string, x0: string, extraTooltip: Record<string, unknown>[] = []): VlSpec {
  return {
    transform: [{ filter }],
    mark: { type: 'rect', color: '#888', opacity: 0.25 },
    encoding: {
      x: { field: x0, type: 'quantitative' },
      x2: { field: 't1' },
      tooltip: [
        ...extraTooltip,
        { field: 'worker' },
        { field: x0, format: '.1f', title: 'no samples from (s)' },
        { field: 't1', format: '.1f', title: 'to (s)' },
      ],
    },
  };
}

/** The subtitle, plus a line saying what grey means when there are gaps. */
function withGapNote(subtitle: string[], gaps: readonly unknown[]): string[] {
  return gaps.length ? [...subtitle, 'grey: no samples from a worker (sampler reconnecting)'] : subtitle;
}

function timeGrid(
  rows: readonly SeriesPoint[],
  o: {
    title: string;
    subtitle: string[];
    gaps?: readonly GapSpan[];
    yTitle: string;
    yDomain: [number, number] | null;
    series: { domain: string[]; colors: string[]; shapes: string[] };
  },
): VlSpec {
  const x = { field: 't', type: 'quantitative', title: 'Time (second)' };
  const color = {
    field: 'series',
    type: 'nominal',
    title: null,
    scale: { domain: o.series.domain, range: o.series.colors },
  };
  const yScale = o.yDomain ? { domain: o.yDomain, clamp: true } : { zero: true };
  const gaps = o.gaps ?? [];
  const series = { filter: 'datum.gap !== true' };
  const gapLayer = gaps.length ? [gapBand('datum.gap === true', 't0', [{ field: 'run' }])] : [];
  return {
    $schema: SCHEMA,
    title: { text: o.title, subtitle: withGapNote(o.subtitle, gaps), anchor: 'start' },
    data: { values: [...rows, ...gaps] },
    facet: {
      row: { field: 'envLabel', type: 'nominal', title: null, sort: envSort(rows) },
      column: {
        field: 'instances',
        type: 'ordinal',
        title: 'Instances per host',
        header: { labelExpr: "datum.value + ' per host'" },
      },
    },
    spec: {
      width: 200,
      height: 130,
      // the band's fill gets its own scale so that it stays out of the series legend
      resolve: { scale: { fill: 'independent' }, legend: { fill: 'independent' } },
      layer: [
        ...gapLayer,
        {
          transform: [series],
          mark: { type: 'area', opacity: 0.15 },
          encoding: {
            x,
            y: { field: 'lo', type: 'quantitative', scale: yScale, title: o.yTitle },
            y2: { field: 'hi' },
            // fill, not color: the band stays out of the legend, which shows the series symbols
            fill: { ...color, legend: null },
          },
        },
        {
          transform: [series],
          mark: { type: 'line', strokeWidth: 1.2, point: { filled: true, size: 16 } },
          encoding: {
            x,
            y: { field: 'value', type: 'quantitative', scale: yScale, title: o.yTitle },
            color,
            shape: {
              field: 'series',
              type: 'nominal',
              title: null,
              scale: { domain: o.series.domain, range: o.series.shapes },
            },
            tooltip: [
              { field: 'envLabel', title: 'environment' },
              { field: 'instances' },
              { field: 'series' },
              { field: 't', format: '.1f', title: 't (s)' },
              { field: 'value', format: '.2f' },
              { field: 'lo', format: '.2f', title: 'min over runs' },
              { field: 'hi', format: '.2f', title: 'max over runs' },
            ],
          },
        },
      ],
    },
    resolve: { scale: { x: 'independent' } },
    config,
  };
}

/** Fig. 5: makespan vs instances, environments side by side, 95% intervals, failures marked. */
export function makespanSpec(cells: readonly CellStat[], opts: { title: string; subtitle: string[] }): VlSpec {
  return barsWithIntervals(cells, { ...opts, yTitle: 'Execution time (s)' });
}

/** Fig. 3: time until the workers were reachable (VM boot to SSH; container/process start) vs instances. */
export function bootSpec(cells: readonly CellStat[], opts: { title: string; subtitle: string[] }): VlSpec {
  return barsWithIntervals(cells, { ...opts, yTitle: 'Ready latency (s)' });
}

function barsWithIntervals(
  cells: readonly CellStat[],
  o: { title: string; subtitle: string[]; yTitle: string },
): VlSpec {
  const x = { field: 'instances', type: 'ordinal', title: 'Number of instances', axis: { labelAngle: 0 } };
  // every environment's colour comes with its rows (the results' views), in the rows' order
  const present = [...new Map(cells.map((c) => [c.envLabel, c.envColor])).entries()];
  const color = {
    field: 'envLabel',
    type: 'nominal',
    title: null,
    scale: { domain: present.map(([label]) => label), range: present.map(([, c]) => c) },
  };
  return {
    $schema: SCHEMA,
    title: { text: o.title, subtitle: o.subtitle, anchor: 'start' },
    data: { values: cells },
    width: { step: 90 },
    height: 220,
    encoding: { x, xOffset: { field: 'envLabel', sort: envSort(cells) } },
    layer: [
      {
        transform: [{ filter: 'datum.mean != null' }],
        mark: { type: 'bar', opacity: 0.85 },
        encoding: {
          y: { field: 'mean', type: 'quantitative', title: o.yTitle },
          color,
          tooltip: [
            { field: 'envLabel', title: 'environment' },
            { field: 'instances' },
            { field: 'mean', format: '.3f' },
            { field: 'lo', format: '.3f', title: '95% CI low' },
            { field: 'hi', format: '.3f', title: '95% CI high' },
            { field: 'n', title: 'ok runs' },
            { field: 'failed', title: 'failed runs' },
          ],
        },
      },
      {
        transform: [{ filter: 'datum.lo != null' }],
        mark: { type: 'rule', color: '#222' },
        encoding: { y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } },
      },
      {
        transform: [{ filter: 'datum.failed > 0' }, { calculate: "'✗ ' + datum.failed", as: 'failedLabel' }],
        mark: { type: 'text', color: '#b00', fontWeight: 'bold', dy: -6, baseline: 'bottom' },
        encoding: { y: { datum: 0 }, text: { field: 'failedLabel' } },
      },
    ],
    config,
  };
}

/** One point of the ratio figure per estimate (paired, unpaired). */
export interface RatioPoint {
  pair: string;
  instances: number;
  estimate: string;
  ratio: number;
  lo: number;
  hi: number;
}

/** Overhead ratios (makespan) with 95% intervals, paired and unpaired one above the other; 1 = no overhead. */
export function ratiosSpec(rows: readonly RatioPoint[], opts: { title: string; subtitle: string[] }): VlSpec {
  const y = { field: 'pair', type: 'nominal', title: null };
  const yOffset = { field: 'estimate', type: 'nominal' };
  const color = {
    field: 'estimate',
    type: 'nominal',
    title: 'estimate',
    scale: { range: ['#000000', '#999999'] },
    sort: 'descending',
  };
  return {
    $schema: SCHEMA,
    title: { text: opts.title, subtitle: opts.subtitle, anchor: 'start' },
    data: { values: rows },
    facet: { column: { field: 'instances', type: 'ordinal', title: 'Instances per host' } },
    spec: {
      width: 220,
      height: { step: 36 },
      layer: [
        { mark: { type: 'rule', strokeDash: [4, 3], color: '#888' }, encoding: { x: { datum: 1 } } },
        {
          mark: { type: 'rule', strokeWidth: 2 },
          encoding: {
            y,
            yOffset,
            color,
            x: { field: 'lo', type: 'quantitative', title: 'Makespan ratio', scale: { zero: false } },
            x2: { field: 'hi' },
          },
        },
        {
          mark: { type: 'point', filled: true, size: 60 },
          encoding: {
            y,
            yOffset,
            color,
            x: { field: 'ratio', type: 'quantitative' },
            tooltip: [
              { field: 'pair' },
              { field: 'estimate' },
              { field: 'instances' },
              { field: 'ratio', format: '.3f' },
              { field: 'lo', format: '.3f' },
              { field: 'hi', format: '.3f' },
            ],
          },
        },
      ],
    },
    config,
  };
}

/** Per-worker small multiples of one run, with the workload's phase boundaries on the time axis. */
export function drillDownSpec(
  samples: readonly DrillRow[],
  phases: readonly PhaseRule[],
  opts: { title: string; subtitle: string[]; gaps?: readonly GapSpan[] },
): VlSpec {
  const gaps = opts.gaps ?? [];
  const values: DrillRow[] = [
    ...samples,
    ...phases.map((p) => ({ kind: 'phase' as const, worker: p.worker, t: p.t, phase: p.phase })),
    ...gaps.map((g) => ({ kind: 'gap' as const, worker: g.worker, t: g.t0, t1: g.t1 })),
  ];
  const present = CPU_SERIES.filter((s) => samples.some((r) => r.series === s));
  const idx = present.map((s) => CPU_SERIES.indexOf(s));
  return {
    $schema: SCHEMA,
    title: { text: opts.title, subtitle: withGapNote(opts.subtitle, gaps), anchor: 'start' },
    data: { values },
    facet: { row: { field: 'worker', type: 'nominal', title: null } },
    spec: {
      width: 560,
      height: 90,
      layer: [
        ...(gaps.length ? [gapBand("datum.kind == 'gap'", 't')] : []),
        {
          transform: [{ filter: "datum.kind == 'phase'" }],
          mark: { type: 'rule', color: '#999', strokeDash: [3, 3] },
          encoding: { x: { field: 't', type: 'quantitative' } },
        },
        {
          transform: [{ filter: "datum.kind == 'phase'" }],
          mark: { type: 'text', angle: 270, align: 'left', dx: 4, dy: -3, fontSize: 9, color: '#666' },
          encoding: { x: { field: 't', type: 'quantitative' }, y: { datum: 2 }, text: { field: 'phase' } },
        },
        {
          transform: [{ filter: "datum.kind == 'sample'" }],
          mark: { type: 'line', strokeWidth: 1.2, point: { filled: true, size: 12 } },
          encoding: {
            x: { field: 't', type: 'quantitative', title: 'Time since the barrier (s)' },
            y: { field: 'value', type: 'quantitative', title: 'CPU (%)', scale: { domain: [0, 100], clamp: true } },
            color: {
              field: 'series',
              type: 'nominal',
              title: null,
              scale: { domain: present, range: idx.map((i) => CPU_COLORS[i]!) },
            },
          },
        },
      ],
    },
    config,
  };
}
