// The one list of output formats: which documents each writes, one format check for
// every command, and the report's files written by their exporters.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareResults } from '../../src/compare/compare.js';
import { EXPORTERS, fileExporters, formatsOf, textExporter, writeReport } from '../../src/export/index.js';
import { UsageError } from '../../src/util/errors.js';

describe('the exporters', () => {
  it('are one per format, and every command offers the formats that write its document', () => {
    expect(new Set(EXPORTERS.map((x) => x.format)).size).toBe(EXPORTERS.length);
    const ci = ['text', 'md', 'json', 'bmf', 'github-action-benchmark', 'github-action-benchmark-bigger'];
    expect(formatsOf('compare')).toEqual(ci);
    expect(formatsOf('history-check')).toEqual(ci);
    expect(formatsOf('query')).toEqual(['table', 'csv', 'json']);
    expect(formatsOf('report')).toEqual(['html', 'svg', 'png', 'vl']);
  });

  it('refuse an unknown or unfit format with the flag and the choices', () => {
    expect(() => textExporter('compare', 'csv')).toThrow(UsageError);
    expect(() => textExporter('compare', 'csv')).toThrow(
      '--format: expected text, md, json, bmf, github-action-benchmark or github-action-benchmark-bigger, got "csv"',
    );
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

describe('CI formats', () => {
  const cell = (env: string, makespan: number[], throughput: number[]) => ({
    workload: 'w',
    env,
    instances: 1,
    ok: makespan.length,
    failed: 0,
    runs: [],
    values: { makespan, ops: throughput },
    blocks: { makespan: makespan.map((_, i) => i), ops: throughput.map((_, i) => i) },
    metrics: {},
  });
  const defs = {
    w: {
      makespan: { name: 'makespan', unit: 's', better: 'lower' as const, description: '' },
      ops: { name: 'ops', unit: 'op/s', better: 'higher' as const, description: '', headline: true },
    },
  };
  const comparison = compareResults(
    [cell('docker', [10, 10.2, 9.8], [100, 98, 102])],
    [cell('docker', [11, 11.2, 10.8], [90, 91, 89])],
    ['makespan', 'ops'],
    0.05,
    undefined,
    defs,
  );

  it('writes the Bencher Metric Format: the candidate with its 95% interval as bounds', () => {
    const out = JSON.parse(textExporter('compare', 'bmf').render({ kind: 'compare', comparison }));
    const m = out['docker x1'].makespan;
    expect(m.value).toBeCloseTo(11, 9);
    expect(m.lower_value).toBeLessThan(11);
    expect(m.upper_value).toBeGreaterThan(11);
    expect(out['docker x1'].ops.value).toBeCloseTo(90, 9);
  });

  it("writes github-action-benchmark's custom JSON, one direction a format", () => {
    const smaller = JSON.parse(
      textExporter('compare', 'github-action-benchmark').render({ kind: 'compare', comparison }),
    );
    const bigger = JSON.parse(
      textExporter('compare', 'github-action-benchmark-bigger').render({ kind: 'compare', comparison }),
    );
    expect(smaller.map((e: { name: string }) => e.name)).toEqual(['docker x1 makespan']);
    expect(bigger.map((e: { name: string }) => e.name)).toEqual(['docker x1 ops']);
    expect(smaller[0]).toMatchObject({ unit: 's', range: expect.stringMatching(/^± /) });
    expect(smaller[0].extra).toContain('regressed');
  });
});
