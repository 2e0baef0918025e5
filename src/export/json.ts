// JSON for programs: the comparison and the history check as they are, query rows as
// objects keyed by column.
import { type TextExporter, unsupported } from './types.js';

export const json: TextExporter = {
  format: 'json',
  description: 'JSON for programs',
  to: 'text',
  kinds: ['compare', 'history-check', 'query'],
  render(doc) {
    if (doc.kind === 'compare') return JSON.stringify(doc.comparison, null, 2);
    if (doc.kind === 'history-check') return JSON.stringify(doc.check, null, 2);
    if (doc.kind === 'query')
      return JSON.stringify(
        doc.rows.map((r) => Object.fromEntries(doc.columns.map((c, i) => [c, r[i] ?? null]))),
        null,
        2,
      );
    return unsupported('json', doc);
  },
};
