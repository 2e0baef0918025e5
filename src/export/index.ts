// Every output format, one line each. Adding a format: a file here exporting one
// Exporter, and a line in this list.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '../report/html.js';
import { UsageError } from '../util/errors.js';
import { bmf } from './bmf.js';
import { csv } from './csv.js';
import { githubActionBenchmark, githubActionBenchmarkBigger } from './githubActionBenchmark.js';
import { html } from './html.js';
import { json } from './json.js';
import { markdown } from './markdown.js';
import { png } from './png.js';
import { svg } from './svg.js';
import { table } from './table.js';
import { text } from './text.js';
import type { Document, DocumentKind, Exporter, FileExporter, TextExporter } from './types.js';
import { vegalite } from './vegalite.js';

export const EXPORTERS: readonly Exporter[] = [
  text,
  markdown,
  table,
  csv,
  json,
  bmf,
  githubActionBenchmark,
  githubActionBenchmarkBigger,
  html,
  svg,
  png,
  vegalite,
];

/** The formats that write a kind of document, in the list's order. */
export function formatsOf(kind: DocumentKind): string[] {
  return EXPORTERS.filter((x) => x.kinds.includes(kind)).map((x) => x.format);
}

function exporterOf(kind: DocumentKind, format: string, flag: string): Exporter {
  const x = EXPORTERS.find((e) => e.format === format && e.kinds.includes(kind));
  if (!x) {
    const known = formatsOf(kind);
    throw new UsageError(
      `${flag}: expected ${known.slice(0, -1).join(', ')} or ${known.at(-1)}, got ${JSON.stringify(format)}`,
    );
  }
  return x;
}

/** The exporter of a --format flag for text output (compare, history check, query); refuses others by name. */
export function textExporter(kind: DocumentKind, format: string, flag = '--format'): TextExporter {
  const x = exporterOf(kind, format, flag);
  if (x.to !== 'text') throw new UsageError(`${flag}: ${format} writes files, not text`);
  return x;
}

/** The exporters of a comma-separated --format list for files (the report). */
export function fileExporters(kind: DocumentKind, list: string, flag = '--format'): FileExporter[] {
  return list
    .split(',')
    .map((s) => s.trim())
    .map((f) => {
      const x = exporterOf(kind, f, flag);
      if (x.to !== 'files') throw new UsageError(`${flag}: ${f} writes text, not files`);
      return x;
    });
}

/** Writes a document in each format into outDir; returns every file written. */
export async function writeDocument(
  doc: Document,
  outDir: string,
  exporters: readonly FileExporter[],
): Promise<string[]> {
  fs.mkdirSync(outDir, { recursive: true });
  const files: string[] = [];
  for (const x of exporters) files.push(...(await x.write(doc, outDir)));
  return files;
}

/** The report's formats, every one by default. */
export const REPORT_FORMATS = formatsOf('report');

export interface ReportOutput {
  dir: string;
  /** index.html, when html was asked for */
  html: string | null;
  files: string[];
}

/** Writes a built report page in the given formats (default: all of them). */
export async function writeReport(
  page: Page,
  outDir: string,
  formats: readonly FileExporter[] = fileExporters('report', REPORT_FORMATS.join(',')),
): Promise<ReportOutput> {
  const files = await writeDocument({ kind: 'report', page }, outDir, formats);
  const html = formats.some((x) => x.format === 'html') ? path.join(outDir, 'index.html') : null;
  return { dir: outDir, html, files };
}
