// The report as one offline HTML page (index.html): figures, tables, the run log.
import fs from 'node:fs';
import path from 'node:path';
import { renderHtml } from '../report/html.js';
import { type FileExporter, unsupported } from './types.js';

export const html: FileExporter = {
  format: 'html',
  description: 'one offline HTML page (index.html)',
  to: 'files',
  kinds: ['report'],
  async write(doc, outDir) {
    if (doc.kind !== 'report') return unsupported('html', doc);
    const file = path.join(outDir, 'index.html');
    fs.writeFileSync(file, renderHtml(doc.page));
    return [file];
  },
};
