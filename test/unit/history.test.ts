// The history: entries from result sets, series that never mix machines or
// accelerators, the check's verdicts, and appends that never duplicate.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { textExporter } from '../../src/export/index.js';
import { checkHistory } from '../../src/history/check.js';
import { entryOf, type HistoryEntry, seriesOf } from '../../src/history/entry.js';
import { historyPage } from '../../src/history/report.js';
import { appendEntry, readHistory, skippedText } from '../../src/history/store.js';
import { loadResults } from '../../src/results/read.js';
import { sourceStats, statsByRun } from '../../src/results/sampleStats.js';
import { readSamples } from '../../src/results/store.js';
import { writeSyntheticResults } from '../support/synthetic.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'versus-history-'));

function history(
  n: number,
  slowFrom: number,
  opts: { accelerator?: 'kvm' | 'tcg'; cores?: number } = {},
): HistoryEntry[] {
  const root = tmp();
  return Array.from({ length: n }, (_, i) => {
    const dir = path.join(root, `r${i}`);
    writeSyntheticResults(dir, {
      envs: ['docker', 'qemu', 'native'],
      instances: [1],
      repetitions: 3,
      experimentId: `e${i}`,
      startedAt: `2026-02-${String(i + 1).padStart(2, '0')}T00:00:00.000Z`,
      noiseSeed: i + 1,
      accelerator: opts.accelerator ?? 'tcg',
      slowdown: i >= slowFrom ? { qemu: 1.15 } : {},
    });
    const rs = loadResults(dir);
    if (opts.cores) rs.meta.host!.cpu!.cores = opts.cores;
    return entryOf(rs, statsByRun(sourceStats(rs.runs, readSamples(path.join(dir, 'samples.ndjson')))), {
      label: `c${i}`,
      resultsDir: dir,
      report: null,
      addedAt: `2026-03-01T00:00:0${i % 10}.000Z`,
    });
  });
}

const OPTIONS = { threshold: 0.05, metrics: ['makespan', 'overhead'], options: { alpha: 0.01, minSize: 3 } };

describe('history entries and series', () => {
  it('an entry holds every metric of every cell and the overhead ratios, with n, mean and interval', () => {
    const [e] = history(1, 99);
    const cell = e!.cells.find((c) => c.env === 'qemu' && c.metric === 'makespan')!;
    expect(cell).toMatchObject({
      workload: 'synthetic',
      instances: 1,
      unit: 's',
      worse: 'higher',
      n: 3,
      accelerator: 'tcg',
    });
    expect(cell.ci95[0]).toBeLessThan(cell.mean);
    expect(e!.cells.some((c) => c.metric === 'opsPerSecond' && c.worse === 'lower')).toBe(true);
    expect(e!.cells.filter((c) => c.metric === 'overhead').map((c) => c.env)).toEqual(
      expect.arrayContaining(['VM/container', 'VM/native', 'container/native']),
    );
  });

  it('series from different machines or accelerators are never mixed', () => {
    const mixed = [...history(4, 99), ...history(4, 99, { accelerator: 'kvm' }), ...history(4, 99, { cores: 64 })];
    const qemu = seriesOf(mixed).filter((s) => s.env === 'qemu' && s.metric === 'makespan');
    expect(qemu).toHaveLength(3);
    for (const s of qemu) expect(s.points).toHaveLength(4);
  });
});

describe('history check', () => {
  it('finds the injected slowdown of one environment where it began, and calls it a regression', () => {
    const c = checkHistory(seriesOf(history(12, 7)), OPTIONS);
    expect(c.regressed).toBe(true);
    const found = c.findings.map((f) => `${f.series} ${f.before}→${f.after} ${f.verdict}`);
    expect(found).toEqual(
      expect.arrayContaining([
        'synthetic qemu x1 makespan (tcg) c6→c7 regression',
        'synthetic VM/native x1 overhead (tcg) c6→c7 regression',
      ]),
    );
    expect(
      c.findings.some((f) => f.series.includes('docker x1 makespan') || f.series.includes('native x1 makespan')),
    ).toBe(false);
    expect(textExporter('history-check', 'md').render({ kind: 'history-check', check: c })).toContain('❌ regression');
  });

  it('no change: exit-worthy nothing; a higher threshold turns a regression into "below threshold"', () => {
    expect(checkHistory(seriesOf(history(10, 99)), OPTIONS).findings).toEqual([]);
    const c = checkHistory(seriesOf(history(12, 7)), { ...OPTIONS, threshold: 0.5 });
    expect(c.regressed).toBe(false);
    expect(c.findings.every((f) => f.verdict === 'below threshold')).toBe(true);
  });

  it('the report page has a chart per series with the change marked', () => {
    const series = seriesOf(history(12, 7)).filter((s) => s.metric === 'makespan');
    const page = historyPage(series, checkHistory(series, OPTIONS), tmp(), 'h');
    expect(page.figures).toHaveLength(series.length);
    const qemu = page.figures.find((f) => f.title.includes('qemu'))!;
    expect(JSON.stringify(qemu.spec)).toContain('"x":6.5');
  });
});

describe('history store', () => {
  const labels = (dir: string) => readHistory(dir).entries.map((e) => e.label);

  it('appends, never twice for the same results, and reads back', async () => {
    const dir = tmp();
    const [a, b] = history(2, 99);
    expect((await appendEntry(dir, a!)).already).toBeNull();
    expect((await appendEntry(dir, b!)).already).toBeNull();
    expect((await appendEntry(dir, { ...a!, label: 'again' })).already?.label).toBe('c0');
    expect(labels(dir)).toEqual(['c0', 'c1']);
    fs.appendFileSync(path.join(dir, 'history.ndjson'), '{"format":"versus-history/1","id":'); // a crash mid-write
    expect(readHistory(dir).entries).toHaveLength(2);
    expect(readHistory(dir).skipped).toEqual([{ line: 3, reason: 'a torn last line (a write that did not finish)' }]);
    expect(() => readHistory(tmp())).toThrow(/no history here/);
  });

  it('never merges a new entry into a torn tail: the tail is kept aside, every entry stays readable', async () => {
    // the reproduction: 4 results added, the file cut mid-line, 2 more added
    const dir = tmp();
    const entries = history(6, 99);
    for (const e of entries.slice(0, 4)) await appendEntry(dir, e);
    const file = path.join(dir, 'history.ndjson');
    const whole = fs.readFileSync(file);
    fs.writeFileSync(file, whole.subarray(0, whole.length - 500));
    const first = await appendEntry(dir, entries[4]!);
    const second = await appendEntry(dir, entries[5]!);
    expect(first.tornTailKeptIn).toMatch(/history\.torn-.*\.ndjson$/);
    expect(second.tornTailKeptIn).toBeNull();
    // the cut entry's bytes are kept, named; the history itself is whole again
    const aside = fs.readFileSync(first.tornTailKeptIn!);
    expect(
      whole
        .subarray(0, whole.length - 500)
        .toString()
        .endsWith(aside.toString()),
    ).toBe(true);
    expect(labels(dir)).toEqual(['c0', 'c1', 'c2', 'c4', 'c5']);
    expect(readHistory(dir).skipped).toEqual([]);
    expect(fs.readFileSync(file, 'utf8').endsWith('\n')).toBe(true);
  });

  it('names a corrupt line and reads the rest, and appends after it', async () => {
    const dir = tmp();
    const entries = history(3, 99);
    await appendEntry(dir, entries[0]!);
    fs.appendFileSync(path.join(dir, 'history.ndjson'), 'garbage\n');
    const out = await appendEntry(dir, entries[1]!);
    expect(out.skipped).toEqual([{ line: 2, reason: 'not a JSON line' }]);
    expect(labels(dir)).toEqual(['c0', 'c1']);
    expect(skippedText(dir, readHistory(dir).skipped)).toEqual([
      `${path.join(dir, 'history.ndjson')}:2: not a JSON line; skipped (the line is kept as it is)`,
    ]);
  });

  it('two appends at once both land, whole', async () => {
    const dir = tmp();
    const entries = history(6, 99);
    await Promise.all(entries.map((e) => appendEntry(dir, e)));
    expect(labels(dir).sort()).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'c5']);
  });
});
