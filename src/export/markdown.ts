// Markdown for CI summaries and pull requests: a heading with the verdict and a table.
import type { Comparison, Verdict } from '../compare/compare.js';
import type { HistoryCheck } from '../history/check.js';
import { interval, num, pct } from './numbers.js';
import { type TextExporter, unsupported } from './types.js';

export const markdown: TextExporter = {
  format: 'md',
  description: 'Markdown (a CI job summary, a pull request comment)',
  to: 'text',
  kinds: ['compare', 'history-check'],
  render(doc) {
    if (doc.kind === 'compare') return compareMarkdown(doc.comparison);
    if (doc.kind === 'history-check') return checkMarkdown(doc.check);
    return unsupported('md', doc);
  },
};

const MARK: Record<Verdict, string> = {
  regressed: '❌',
  improved: '✅',
  'no significant change': '➖',
  'not enough data': '❔',
};

function compareMarkdown(c: Comparison): string {
  const lines = [
    `### versus compare: ${c.regressed ? '❌ regression' : '✅ no regression'} (threshold ${pct(c.threshold).slice(1)})`,
    '',
    '| scope | metric | baseline | candidate | change | 95% CI | detectable | p | verdict |',
    '|---|---|---:|---:|---:|---|---:|---:|---|',
    ...c.rows.map(
      (r) =>
        `| ${r.scope} | ${r.metric} | ${num(r.baseline)} | ${num(r.candidate)} | ${pct(r.change)} | ${pct(r.ci95[0])} .. ${pct(r.ci95[1])} | ${r.mde === null ? '–' : pct(r.mde).slice(1)} | ${r.p === null ? '–' : r.p.toFixed(3)} | ${MARK[r.verdict]} ${r.verdict} |`,
    ),
    '',
    `Change = candidate / baseline − 1 with its 95% interval (log-t: Student t on the log scale; overhead ratios paired by repetition block where both sides have 2 or more blocks); detectable: the smallest change this comparison sees with 80% power; p: Mann–Whitney U, two-sided. A row regresses when it is worse by more than the threshold and its whole gate interval is on the worse side of zero: the gate interval is wider than the 95% one shown, at ${(100 * c.gateLevel).toFixed(1)}%, so that a comparison with no change at all is called regressed at most ${(100 * c.falsePositive).toFixed(0)}% of the time over its ${c.rows.length} rows (Bonferroni).`,
    ...c.blind.map((b) => `- ⚠️ ${b}`),
  ];
  return lines.join('\n');
}

function checkMarkdown(c: HistoryCheck): string {
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
        `| ${f.series} | ${pct(f.change.change)} | ${interval(f.change.ci95)} | ${f.before} → ${f.after} | ${f.verdict === 'regression' ? '❌' : f.verdict === 'improvement' ? '✅' : '·'} ${f.verdict}${f.latest ? '' : ' (earlier)'} |`,
      );
  } else lines.push('No change points.');
  return lines.join('\n');
}
