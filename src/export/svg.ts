// Every figure as <id>.svg, for papers (vector).
import fs from 'node:fs';
import path from 'node:path';
import { figuresOf, svgOf } from './figures.js';
import { type FileExporter, unsupported } from './types.js';

export const svg: FileExporter = {
  format: 'svg',
  description: 'each figure as SVG (<id>.svg)',
  to: 'files',
  kinds: ['report'],
  async write(doc, outDir) {
    if (doc.kind !== 'report') return unsupported('svg', doc);
    const files: string[] = [];
    for (const fig of figuresOf(doc.page)) {
      const file = path.join(outDir, `${fig.id}.svg`);
      fs.writeFileSync(file, await svgOf(fig.spec));
      files.push(file);
    }
    return files;
  },
};
