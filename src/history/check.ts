// `versus history check`: change points per series, the latest one judged against the
// threshold in the metric's worse direction. Pure; formats for a terminal, CI (Markdown)
// and machines (JSON).
import { type ChangePoint, type ChangePointOptions, changePoints } from './changepoints.js';
import { type Series, seriesName } from './entry.js';

export interface Finding {
  series: string;
  metric: string;
  unit: string;
  change: ChangePoint;
  /** labels of the last point before and the first point after the change */
  before: string;
  after: string;
  verdict: 'regression' | 'improvement' | 'below threshold';
  /** the series' latest change point */
  latest: boolean;
}

export interface HistoryCheck {
  threshold: number;
  options: ChangePointOptions;
  series: number;
  findings: Finding[];
  /** a series whose latest change point is a regression past the threshold */
  regressed: boolean;
}

export function checkHistory(
  all: readonly Series[],
  opts: { threshold: number; metrics: string[] | null; options: ChangePointOptions },
): HistoryCheck {
  const series = all.filter((s) => !opts.metrics || opts.metrics.includes(s.metric));
  const findings: Finding[] = [];
  for (const s of series) {
    const cps = changePoints(
      s.points.map((p) => p.mean),
      opts.options,
    );
    cps.forEach((cp, i) => {
      const worse = s.worse === 'higher' ? cp.change > 0 : cp.change < 0;
      findings.push({
        series: seriesName(s),
        metric: s.metric,
        unit: s.unit,
        change: cp,
        before: s.points[cp.index - 1]!.label,
        after: s.points[cp.index]!.label,
        verdict: Math.abs(cp.change) < opts.threshold ? 'below threshold' : worse ? 'regression' : 'improvement',
        latest: i === cps.length - 1,
      });
    });
  }
  return {
    threshold: opts.threshold,
    options: opts.options,
    series: series.length,
    findings,
    regressed: findings.some((f) => f.latest && f.verdict === 'regression'),
  };
}

const pct = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}%`;
const interval = (f: Finding) => `[${pct(f.change.ci95[0])}, ${pct(f.change.ci95[1])}]`;

export function formatCheckText(c: HistoryCheck): string {
  const head = `${c.series} series, ${c.findings.length} change point(s) (E-divisive means, alpha ${c.options.alpha}, at least ${c.options.minSize} points a side; threshold ${pct(c.threshold)})`;
  const rows = c.findings.map(
    (f) =>
      `${f.latest && f.verdict === 'regression' ? '✗' : f.verdict === 'regression' ? '!' : ' '} ${f.series}: ${pct(f.change.change)} ${interval(f)} between ${f.before} and ${f.after} (${f.change.meanBefore.toPrecision(4)} → ${f.change.meanAfter.toPrecision(4)} ${f.unit}, p ${f.change.p.toExponential(1)}) — ${f.verdict}${f.latest ? '' : ' (not the latest)'}`,
  );
  const verdict = c.regressed
    ? 'REGRESSION: a series’ latest change point is worse past the threshold'
    : 'no regression at the latest change points';
  return [head, ...rows, verdict].join('\n');
}

export function formatCheckMarkdown(c: HistoryCheck): string {
  const lines = [
    `### versus history: ${c.regressed ? '❌ regression' : '✅ no regression'}`,
    '',
    `${c.series} series; E-divisive means (alpha ${c.options.alpha}, ≥ ${c.options.minSize} points a side); threshold ${pct(c.threshold)}.`,
    '',
  ];
  if (c.findings.length) {
    lines.push('| series | change | 95% CI | between | verdict |', '|---|---|---|---|---|');
    for (const f of c.findings)
      lines.push(
        `| ${f.series} | ${pct(f.change.change)} | ${interval(f)} | ${f.before} → ${f.after} | ${f.verdict === 'regression' ? '❌' : f.verdict === 'improvement' ? '✅' : '·'} ${f.verdict}${f.latest ? '' : ' (earlier)'} |`,
      );
  } else lines.push('No change points.');
  return lines.join('\n');
}
