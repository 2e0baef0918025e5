// Every figure as <id>.svg, for papers (vector).
import fs from 'node:fs';
import { svgOf, writeFigures } from './figures.js';
import type { FileExporter } from './types.js';

export const svg: FileExporter = {
  format: 'svg',
  description: 'each figure as SVG (<id>.svg)',
  to: 'files',
  kinds: ['report'],
  write: (doc, outDir) =>
    writeFigures(doc, 'svg', outDir, '.svg', async (file, spec) => fs.writeFileSync(file, await svgOf(spec))),
};
