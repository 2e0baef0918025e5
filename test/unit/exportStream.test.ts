// Every query format streams, and streamed output is the rendered output, byte for byte.
import { describe, expect, it } from 'vitest';
import { EXPORTERS, textExporter } from '../../src/export/index.js';

const columns = ['env', 'n', 'cpu', 'note'];
const rows = [
  ['docker', 12, 70.12345678, 'a'],
  ['native', 3, null, 'a much longer note'],
  ['qemu', 1, 1.5, null],
];

async function streamed(format: string, chunks: unknown[][][]): Promise<string> {
  let out = '';
  async function* gen() {
    for (const c of chunks) yield c;
  }
  await textExporter('query', format).stream!(columns, gen(), { write: async (t) => void (out += t) });
  return out;
}

describe('query exporters', () => {
  it('all stream', () => {
    for (const x of EXPORTERS.filter((e) => e.kinds.includes('query')))
      expect(x.to === 'text' && typeof x.stream, x.format).toBe('function');
  });

  it.each(['table', 'csv', 'json'])('%s streamed in chunks is what it renders at once', async (format) => {
    const once = `${textExporter('query', format).render({ kind: 'query', columns, rows })}\n`;
    expect(await streamed(format, [rows.slice(0, 1), [], rows.slice(1)])).toBe(once);
    const none = `${textExporter('query', format).render({ kind: 'query', columns, rows: [] })}\n`;
    expect(await streamed(format, [])).toBe(none);
  });

  it('a table of 200 000 rows renders (no spread of every width into Math.max)', () => {
    const many = Array.from({ length: 200_000 }, (_, i) => ['w', i, i / 3, 'x']);
    const text = textExporter('query', 'table').render({ kind: 'query', columns, rows: many });
    expect(text.endsWith('(200000 rows)')).toBe(true);
  });
});
