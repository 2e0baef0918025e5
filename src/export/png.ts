// Every figure as <id>.png at twice its size, for slides and issue comments.
import fs from 'node:fs';
import { svgOf, writeFigures } from './figures.js';
import type { FileExporter } from './types.js';

export const png: FileExporter = {
  format: 'png',
  description: 'each figure as PNG (<id>.png)',
  to: 'files',
  kinds: ['report'],
  write: (doc, outDir) =>
    writeFigures(doc, 'png', outDir, '.png', async (file, spec) => {
      const { svgToPng } = await import('../report/render.js');
      fs.writeFileSync(file, svgToPng(await svgOf(spec)));
    }),
};
