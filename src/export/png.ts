// Every figure as <id>.png at twice its size, for slides and issue comments.
import fs from 'node:fs';
import path from 'node:path';
import { figuresOf, svgOf } from './figures.js';
import { type FileExporter, unsupported } from './types.js';

export const png: FileExporter = {
  format: 'png',
  description: 'each figure as PNG (<id>.png)',
  to: 'files',
  kinds: ['report'],
  async write(doc, outDir) {
    if (doc.kind !== 'report') return unsupported('png', doc);
    const files: string[] = [];
    for (const fig of figuresOf(doc.page)) {
      const file = path.join(outDir, `${fig.id}.png`);
      const { svgToPng } = await import('../report/render.js');
      fs.writeFileSync(file, svgToPng(await svgOf(fig.spec)));
      files.push(file);
    }
    return files;
  },
};
