// An aligned table for a terminal: numbers right-aligned, long cells cut at 60
// characters, the row count last.
import { cellText } from '../results/columnar/format.js';
import { type TextExporter, unsupported } from './types.js';

export const table: TextExporter = {
  format: 'table',
  description: 'an aligned table for a terminal',
  to: 'text',
  kinds: ['query'],
  render(doc) {
    if (doc.kind !== 'query') return unsupported('table', doc);
    const { columns, rows } = doc;
    const text = rows.map((r) => r.map(cellText));
    const numeric = columns.map(
      (_, i) => rows.length > 0 && rows.every((r) => r[i] === null || typeof r[i] === 'number'),
    );
    const widths = columns.map((c, i) => Math.min(60, Math.max(c.length, ...text.map((r) => r[i]!.length))));
    const fit = (s: string, i: number) => {
      const w = widths[i]!;
      const t = s.length > w ? `${s.slice(0, w - 1)}…` : s;
      return numeric[i] ? t.padStart(w) : t.padEnd(w);
    };
    const line = (r: string[]) => r.map(fit).join('  ').trimEnd();
    return [
      line([...columns]),
      widths.map((w) => '-'.repeat(w)).join('  '),
      ...text.map(line),
      `(${rows.length} row${rows.length === 1 ? '' : 's'})`,
    ].join('\n');
  },
};
