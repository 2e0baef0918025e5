// An aligned table for a terminal: numbers right-aligned, long cells cut at 60
// characters, the row count last. Streamed: the column widths come from the first
// WIDTH_ROWS rows, and a wider value further down is cut to them.
import { cellText } from '../results/columnar/format.js';
import { type TextExporter, unsupported } from './types.js';

const MAX_WIDTH = 60;
const WIDTH_ROWS = 10_000;

interface Layout {
  widths: number[];
  numeric: boolean[];
}

function layoutOf(columns: readonly string[], rows: readonly unknown[][]): Layout {
  const widths = columns.map((c) => Math.min(MAX_WIDTH, c.length));
  const numeric = columns.map(() => rows.length > 0);
  for (const r of rows)
    for (let i = 0; i < columns.length; i++) {
      widths[i] = Math.min(MAX_WIDTH, Math.max(widths[i]!, cellText(r[i]).length));
      if (!(r[i] === null || typeof r[i] === 'number')) numeric[i] = false;
    }
  return { widths, numeric };
}

function lineOf(cells: readonly string[], l: Layout): string {
  return cells
    .map((s, i) => {
      const w = l.widths[i]!;
      const t = s.length > w ? `${s.slice(0, w - 1)}…` : s;
      return l.numeric[i] ? t.padStart(w) : t.padEnd(w);
    })
    .join('  ')
    .trimEnd();
}

const header = (columns: readonly string[], l: Layout) =>
  [lineOf(columns, l), l.widths.map((w) => '-'.repeat(w)).join('  ')].join('\n');
const count = (n: number) => `(${n} row${n === 1 ? '' : 's'})`;

export const table: TextExporter = {
  format: 'table',
  description: 'an aligned table for a terminal',
  to: 'text',
  kinds: ['query'],
  render(doc) {
    if (doc.kind !== 'query') return unsupported('table', doc);
    const l = layoutOf(doc.columns, doc.rows);
    const body = doc.rows.map((r) => lineOf(r.map(cellText), l));
    return [header(doc.columns, l), ...body, count(doc.rows.length)].join('\n');
  },
  async stream(columns, chunks, out) {
    let held: unknown[][] = [];
    let l: Layout | null = null;
    let n = 0;
    const emit = async (rows: readonly unknown[][]) => {
      if (rows.length) await out.write(`${rows.map((r) => lineOf(r.map(cellText), l!)).join('\n')}\n`);
    };
    for await (const chunk of chunks) {
      n += chunk.length;
      if (l) {
        await emit(chunk);
        continue;
      }
      held.push(...chunk);
      if (held.length < WIDTH_ROWS) continue;
      l = layoutOf(columns, held);
      await out.write(`${header(columns, l)}\n`);
      await emit(held);
      held = [];
    }
    if (!l) {
      l = layoutOf(columns, held);
      await out.write(`${header(columns, l)}\n`);
      await emit(held);
    }
    await out.write(`${count(n)}\n`);
  },
};
