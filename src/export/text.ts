// Plain text for a terminal: the comparison as an aligned table with its verdict, the
// history check as one line per change point.
import type { Comparison } from '../compare/compare.js';
import type { HistoryCheck } from '../history/check.js';
import { interval, num, pct } from './numbers.js';
import { type TextExporter, unsupported } from './types.js';

export const text: TextExporter = {
  format: 'text',
  description: 'aligned plain text for a terminal',
  to: 'text',
  kinds: ['compare', 'history-check'],
  render(doc) {
    if (doc.kind === 'compare') return compareText(doc.comparison);
    if (doc.kind === 'history-check') return checkText(doc.check);
    return unsupported('text', doc);
  },
};

function compareText(c: Comparison): string {
  const header = ['scope', 'metric', 'baseline', 'candidate', 'change', '95% CI', 'detectable', 'p', 'verdict'];
  const rows = c.rows.map((r) => [
    r.scope,
    r.metric,
    num(r.baseline),
    num(r.candidate),
    pct(r.change),
    `${pct(r.ci95[0])} .. ${pct(r.ci95[1])}`,
    r.mde === null ? '-' : pct(r.mde).slice(1),
    r.p === null ? '-' : r.p.toFixed(3),
    r.verdict,
  ]);
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cols: string[]) => cols.map((x, i) => x.padEnd(w[i]!)).join('  ');
  const gate = `false positives held to ${(100 * c.falsePositive).toFixed(0)}% over ${c.rows.length} row(s): each gated on its ${(100 * c.gateLevel).toFixed(1)}% interval`;
  const verdict = c.regressed
    ? `REGRESSED: ${c.rows.filter((r) => r.verdict === 'regressed').length} row(s) worse by more than ${pct(c.threshold).slice(1)} with the gate interval clear of zero (${gate})`
    : `OK: no regression past ${pct(c.threshold).slice(1)} (${gate})`;
  const blind = c.blind;
  const note = blind.length
    ? ['', `${blind.length} row(s) passed without the power to fail:`, ...blind.map((b) => `  ${b}`)]
    : [];
  return [line(header), line(w.map((n) => '-'.repeat(n))), ...rows.map(line), ...note, '', verdict].join('\n');
}

function checkText(c: HistoryCheck): string {
  const head = `${c.series} series, ${c.findings.length} change point(s) (E-divisive means, alpha ${c.options.alpha}, at least ${c.options.minSize} points a side; threshold ${pct(c.threshold)})`;
  const rows = c.findings.map(
    (f) =>
      `${f.latest && f.verdict === 'regression' ? '✗' : f.verdict === 'regression' ? '!' : ' '} ${f.series}: ${pct(f.change.change)} ${interval(f.change.ci95)} between ${f.before} and ${f.after} (${f.change.meanBefore.toPrecision(4)} → ${f.change.meanAfter.toPrecision(4)} ${f.unit}, p ${f.change.p.toExponential(1)}) — ${f.verdict}${f.latest ? '' : ' (not the latest)'}`,
  );
  const verdict = c.regressed
    ? 'REGRESSION: a series’ latest change point is worse past the threshold'
    : 'no regression at the latest change points';
  return [head, ...rows, verdict].join('\n');
}
