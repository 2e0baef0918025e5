// The report's figures one by one, and each figure's SVG rendered once per page
// (the svg and png exporters share it: rendering is the report's costly step).
import path from 'node:path';
import type { Figure, Page } from '../report/html.js';
import type { VlSpec } from '../report/specs.js';
import { type Document, unsupported } from './types.js';

export function figuresOf(page: Page): Figure[] {
  return [...page.figures, ...(page.sections ?? []).flatMap((s) => s.figures)];
}

const rendered = new WeakMap<VlSpec, Promise<string>>();

export function svgOf(spec: VlSpec): Promise<string> {
  let svg = rendered.get(spec);
  if (!svg) {
    // Vega and resvg load with the first figure, not with the command
    svg = import('../report/render.js').then((r) => r.toSvg(spec));
    rendered.set(spec, svg);
  }
  return svg;
}

/** Writes every figure of a report document as <id><suffix>, in order; returns the files. */
export async function writeFigures(
  doc: Document,
  format: string,
  outDir: string,
  suffix: string,
  write: (file: string, spec: VlSpec) => Promise<void> | void,
): Promise<string[]> {
  if (doc.kind !== 'report') return unsupported(format, doc);
  const files: string[] = [];
  for (const fig of figuresOf(doc.page)) {
    const file = path.join(outDir, `${fig.id}${suffix}`);
    await write(file, fig.spec);
    files.push(file);
  }
  return files;
}
