// CSV with a header line: query rows, one cell per value; streamed chunk by chunk.
import { stringify } from 'csv-stringify/sync';
import { cellText } from '../results/columnar/format.js';
import { type TextExporter, unsupported } from './types.js';

const lines = (rows: readonly unknown[][]) => stringify(rows.map((r) => r.map(cellText)));

export const csv: TextExporter = {
  format: 'csv',
  description: 'CSV with a header line',
  to: 'text',
  kinds: ['query'],
  render(doc) {
    if (doc.kind !== 'query') return unsupported('csv', doc);
    return stringify(
      doc.rows.map((r) => r.map(cellText)),
      { header: true, columns: [...doc.columns] },
    ).trimEnd();
  },
  async stream(columns, chunks, out) {
    await out.write(stringify([[...columns]]));
    for await (const chunk of chunks) if (chunk.length) await out.write(lines(chunk));
  },
};
