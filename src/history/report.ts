// `versus history report`: one offline page, a trend chart per series with its change
// points marked, each point linking to its run's report when there is one.
import path from 'node:path';
import type { Figure, Page } from '../report/html.js';
import type { VlSpec } from '../report/specs.js';
import type { HistoryCheck } from './check.js';
import { type Series, seriesName } from './entry.js';

export function trendSpec(s: Series, changeAt: readonly number[], linkFrom: string): VlSpec {
  const values = s.points.map((p, i) => ({
    i,
    label: p.label,
    startedAt: p.startedAt,
    mean: p.mean,
    lo: p.ci95[0],
    hi: p.ci95[1],
    n: p.n,
    href: p.report ? path.relative(linkFrom, p.report) : null,
  }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 640,
    height: 160,
    title: {
      text: seriesName(s),
      subtitle: [`${s.unit}; ${s.worse} is worse; mean and 95% interval per result set`],
      anchor: 'start',
    },
    layer: [
      {
        data: { values },
        layer: [
          {
            mark: { type: 'rule', color: '#999' },
            encoding: {
              x: { field: 'i', type: 'quantitative', title: 'result set (oldest first)', axis: { tickMinStep: 1 } },
              y: { field: 'lo', type: 'quantitative', scale: { zero: false }, title: s.metric },
              y2: { field: 'hi' },
            },
          },
          {
            mark: { type: 'line', color: '#1f77b4' },
            encoding: { x: { field: 'i', type: 'quantitative' }, y: { field: 'mean', type: 'quantitative' } },
          },
          {
            mark: { type: 'point', filled: true, color: '#1f77b4', size: 40, cursor: 'pointer' },
            encoding: {
              x: { field: 'i', type: 'quantitative' },
              y: { field: 'mean', type: 'quantitative' },
              href: { field: 'href' },
              tooltip: [
                { field: 'label' },
                { field: 'startedAt' },
                { field: 'mean', format: '.4g' },
                { field: 'lo', format: '.4g' },
                { field: 'hi', format: '.4g' },
                { field: 'n' },
              ],
            },
          },
        ],
      },
      ...(changeAt.length
        ? [
            {
              data: { values: changeAt.map((i) => ({ x: i - 0.5 })) },
              mark: { type: 'rule', color: '#d62728', strokeDash: [4, 3], strokeWidth: 2 },
              encoding: { x: { field: 'x', type: 'quantitative' } },
            },
          ]
        : []),
    ],
    config: { font: 'DejaVu Sans, sans-serif' },
  };
}

export function historyPage(series: readonly Series[], check: HistoryCheck, outDir: string, title: string): Page {
  const byName = new Map<string, number[]>();
  for (const f of check.findings) byName.set(f.series, [...(byName.get(f.series) ?? []), f.change.index]);
  const figures: Figure[] = series.map((s, k) => ({
    id: `series-${k}`,
    title: seriesName(s),
    caption: `${s.points.length} result sets on ${s.machine.cpu} (${s.machine.cores ?? '?'} CPUs, ${s.machine.memoryGiB ?? '?'} GiB)${s.accelerator ? `, accelerator ${s.accelerator}` : ''}. Dashed red: change points. Click a point for its report.`,
    spec: trendSpec(s, byName.get(seriesName(s)) ?? [], outDir),
  }));
  return {
    title,
    banner: check.regressed ? 'A series’ latest change point is a regression past the threshold.' : null,
    warnings: [],
    tables: [
      {
        title: 'Change points',
        columns: ['series', 'change', '95% CI', 'between', 'p', 'verdict'],
        rows: check.findings.map((f) => [
          f.series,
          `${(100 * f.change.change).toFixed(1)}%`,
          `${(100 * f.change.ci95[0]).toFixed(1)}% – ${(100 * f.change.ci95[1]).toFixed(1)}%`,
          `${f.before} → ${f.after}`,
          f.change.p.toExponential(1),
          `${f.verdict}${f.latest ? '' : ' (earlier)'}`,
        ]),
        note: `E-divisive means with a t-test between neighbouring segments (alpha ${check.options.alpha}, at least ${check.options.minSize} points a side), threshold ${(100 * check.threshold).toFixed(1)}%.`,
      },
    ],
    figures,
    methodology: [
      {
        label: 'series',
        value: `${series.length}, one per machine × accelerator × workload × environment × instances × metric`,
      },
    ],
    failures: [],
  };
}
