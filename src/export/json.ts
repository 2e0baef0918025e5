// JSON for programs: the comparison and the history check as they are, query rows as
// objects keyed by column (streamed: one array, written a chunk at a time).
import { type TextExporter, unsupported } from './types.js';

const rowObject = (columns: readonly string[], r: readonly unknown[]) =>
  Object.fromEntries(columns.map((c, i) => [c, r[i] ?? null]));

/** One row as the pretty-printed array element JSON.stringify(rows, null, 2) would write. */
const element = (columns: readonly string[], r: readonly unknown[]) =>
  `  ${JSON.stringify(rowObject(columns, r), null, 2).replaceAll('\n', '\n  ')}`;

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
        doc.rows.map((r) => rowObject(doc.columns, r)),
        null,
        2,
      );
    return unsupported('json', doc);
  },
  async stream(columns, chunks, out) {
    let first = true;
    for await (const chunk of chunks) {
      if (!chunk.length) continue;
      const text = chunk.map((r) => element(columns, r)).join(',\n');
      await out.write(first ? `[\n${text}` : `,\n${text}`);
      first = false;
    }
    await out.write(first ? '[]\n' : '\n]\n');
  },
};
