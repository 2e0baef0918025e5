// Every figure's Vega-Lite spec as <id>.vl.json: open it in the Vega editor, restyle it.
import { writeJsonAtomic } from '../util/files.js';
import { writeFigures } from './figures.js';
import type { FileExporter } from './types.js';

export const vegalite: FileExporter = {
  format: 'vl',
  description: "each figure's Vega-Lite spec (<id>.vl.json)",
  to: 'files',
  kinds: ['report'],
  write: (doc, outDir) => writeFigures(doc, 'vl', outDir, '.vl.json', (file, spec) => writeJsonAtomic(file, spec)),
};
