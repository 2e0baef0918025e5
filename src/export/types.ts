// What an output format is: one exporter per format, each saying which documents it
// writes. A document is what a command has to show: a comparison, a history check,
// rows of a query, a report page.
import type { Comparison } from '../compare/compare.js';
import type { HistoryCheck } from '../history/check.js';
import type { Page } from '../report/html.js';

export type Document =
  | { kind: 'compare'; comparison: Comparison }
  | { kind: 'history-check'; check: HistoryCheck }
  | { kind: 'query'; columns: readonly string[]; rows: readonly unknown[][] }
  | { kind: 'report'; page: Page };

export type DocumentKind = Document['kind'];
export type DocumentOf<K extends DocumentKind> = Extract<Document, { kind: K }>;

/** Text for stdout (compare, history check, query). */
export interface TextExporter {
  format: string;
  description: string;
  to: 'text';
  kinds: readonly DocumentKind[];
  render(doc: Document): string;
  /** query rows as they come, chunk by chunk, in bounded memory (every query format has it) */
  stream?(columns: readonly string[], chunks: AsyncIterable<readonly unknown[][]>, out: TextSink): Promise<void>;
}

/** Where streamed text goes; write resolves when the text may be followed (backpressure). */
export interface TextSink {
  write(text: string): Promise<void>;
}

/** Files in a folder (the report's page and figures); returns the files written. */
export interface FileExporter {
  format: string;
  description: string;
  to: 'files';
  kinds: readonly DocumentKind[];
  write(doc: Document, outDir: string): Promise<string[]>;
}

export type Exporter = TextExporter | FileExporter;

/** An exporter handed a document it does not declare: a programming error, not bad input. */
export function unsupported(format: string, doc: Document): never {
  throw new Error(`the ${format} exporter does not write ${doc.kind} documents`);
}
