// Every figure's Vega-Lite spec as <id>.vl.json: open it in the Vega editor, restyle it.
import path from 'node:path';
import { writeJsonAtomic } from '../util/files.js';
import { figuresOf } from './figures.js';
import { type FileExporter, unsupported } from './types.js';

export const vegalite: FileExporter = {
  format: 'vl',
  description: "each figure's Vega-Lite spec (<id>.vl.json)",
  to: 'files',
  kinds: ['report'],
  async write(doc, outDir) {
    if (doc.kind !== 'report') return unsupported('vl', doc);
    return figuresOf(doc.page).map((fig) => {
      const file = path.join(outDir, `${fig.id}.vl.json`);
      writeJsonAtomic(file, fig.spec);
      return file;
    });
  },
};
