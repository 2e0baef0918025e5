// The one list of output formats: which documents each writes, one format check for
// every command, and the report's files written by their exporters.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXPORTERS, fileExporters, formatsOf, textExporter, writeReport } from '../../src/export/index.js';
import { UsageError } from '../../src/util/errors.js';

describe('the exporters', () => {
  it('are one per format, and every command offers the formats that write its document', () => {
    expect(new Set(EXPORTERS.map((x) => x.format)).size).toBe(EXPORTERS.length);
    expect(formatsOf('compare')).toEqual(['text', 'md', 'json']);
    expect(formatsOf('history-check')).toEqual(['text', 'md', 'json']);
    expect(formatsOf('query')).toEqual(['table', 'csv', 'json']);
    expect(formatsOf('report')).toEqual(['html', 'svg', 'png', 'vl']);
  });

  it('refuse an unknown or unfit format with the flag and the choices', () => {
    expect(() => textExporter('compare', 'csv')).toThrow(UsageError);
    expect(() => textExporter('compare', 'csv')).toThrow('--format: expected text, md or json, got "csv"');
    expect(() => fileExporters('report', 'html,pdf')).toThrow('--format: expected html, svg, png or vl, got "pdf"');
    expect(fileExporters('report', 'vl, html').map((x) => x.format)).toEqual(['vl', 'html']);
  });

  it('write a report page in the formats asked for, each figure rendered once for svg and png', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'versus-export-'));
    try {
      const spec = {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        data: { values: [{ x: 1, y: 2 }] },
        mark: 'point',
        encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
      };
      const page = { title: 't', subtitle: [], figures: [{ id: 'fig', title: 'f', caption: '', spec }], tables: [] };
      const r = await writeReport(page as never, out, fileExporters('report', 'svg,png,vl'));
      expect(r.html).toBeNull();
      expect(r.files.map((f) => path.basename(f)).sort()).toEqual(['fig.png', 'fig.svg', 'fig.vl.json']);
      expect(fs.readFileSync(path.join(out, 'fig.svg'), 'utf8')).toMatch(/^<svg/);
      expect(fs.readFileSync(path.join(out, 'fig.png')).subarray(1, 4).toString()).toBe('PNG');
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
