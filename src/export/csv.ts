// CSV with a header line: query rows, one cell per value.
import { stringify } from 'csv-stringify/sync';
import { cellText } from '../results/columnar/format.js';
import { type TextExporter, unsupported } from './types.js';

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
};
