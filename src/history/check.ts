// `versus history check`: change points per series, the latest one judged against the
// threshold in the metric's worse direction. Pure; its formats are exporters (src/export/).
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

/** A series' newest point: what CI dashboards chart. */
export interface LatestPoint {
  series: string;
  metric: string;
  unit: string;
  worse: 'higher' | 'lower';
  label: string;
  mean: number;
  ci95: [number, number];
}

export interface HistoryCheck {
  threshold: number;
  options: ChangePointOptions;
  series: number;
  findings: Finding[];
  latest: LatestPoint[];
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
    latest: series.flatMap((s) => {
      const p = s.points.at(-1);
      return p
        ? [
            {
              series: seriesName(s),
              metric: s.metric,
              unit: s.unit,
              worse: s.worse,
              label: p.label,
              mean: p.mean,
              ci95: p.ci95,
            },
          ]
        : [];
    }),
    regressed: findings.some((f) => f.latest && f.verdict === 'regression'),
  };
}
