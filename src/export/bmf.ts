// Bencher Metric Format: { benchmark: { measure: { value, lower_value, upper_value } } },
// the candidate's value (compare) or each series' newest point (history check), with
// its 95% interval as the bounds. Bencher then charts and thresholds it.
import { type TextExporter, unsupported } from './types.js';

interface BmfMeasure {
  value: number;
  lower_value?: number;
  upper_value?: number;
}

type Bmf = Record<string, Record<string, BmfMeasure>>;

function measure(value: number, ci: readonly [number, number] | null): BmfMeasure {
  return ci ? { value, lower_value: ci[0], upper_value: ci[1] } : { value };
}

function add(out: Bmf, benchmark: string, name: string, m: BmfMeasure): void {
  out[benchmark] = { ...(out[benchmark] ?? {}), [name]: m };
}

export const bmf: TextExporter = {
  format: 'bmf',
  description: 'Bencher Metric Format (value with the 95% interval as lower/upper)',
  to: 'text',
  kinds: ['compare', 'history-check'],
  render(doc) {
    const out: Bmf = {};
    if (doc.kind === 'compare')
      for (const r of doc.comparison.rows) add(out, r.scope, r.metric, measure(r.candidate, r.candidateCi95));
    else if (doc.kind === 'history-check')
      for (const p of doc.check.latest) add(out, p.series, p.metric, measure(p.mean, p.ci95));
    else return unsupported('bmf', doc);
    return JSON.stringify(out, null, 2);
  },
};
