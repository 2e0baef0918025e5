// The columnar store: compaction of the NDJSON logs into Parquet, SQL over it, and
// the report's aggregations in DuckDB held to the in-memory reference path.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { textExporter } from '../../src/export/index.js';
import { buildPage, collectPageSamples } from '../../src/report/build.js';
import { COLUMNAR, readManifest } from '../../src/results/columnar/compact.js';
import { openDuck } from '../../src/results/columnar/duck.js';
import { plainRows } from '../../src/results/columnar/format.js';

const formatRows = (columns: string[], rows: unknown[][], format: string) =>
  textExporter('query', format).render({ kind: 'query', columns, rows: plainRows(rows) });

import { compactResults, openColumnar } from '../../src/results/columnar/open.js';
import { loadResults, openResults } from '../../src/results/read.js';
import { sourceStats } from '../../src/results/sampleStats.js';
import { FILES, readSamples, SamplesWriter } from '../../src/results/store.js';
import type { SampleRecord } from '../../src/results/types.js';
import { mulberry32 } from '../../src/stats/random.js';
import { expectSameRows, expectSameSection } from '../sameAggregates.js';
import { writeSyntheticResults } from '../support/synthetic.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'versus-columnar-'));
  dirs.push(d);
  return d;
}

/** Synthetic results made irregular: PSS on some samples, steal, iowait missing, jittered times, a sampler gap. */
function roughResults(opts: Parameters<typeof writeSyntheticResults>[1] = {}, hosts = false): string {
  const dir = tmpDir();
  writeSyntheticResults(dir, {
    workloads: 2,
    instances: [1, 2],
    repetitions: 2,
    durationS: 30,
    intervalS: 0.5,
    failed: ['003-synthetic-a-native-x1-r1'],
    samplerGap: { run: '001-synthetic-a-docker-x1-r1', fromS: 5, toS: 9 },
    ...opts,
  });
  const rand = mulberry32(7);
  const file = path.join(dir, FILES.samples);
  const rows = readSamples(file).map(
    (s): SampleRecord => ({
      ...s,
      t: Math.round((s.t + (rand() - 0.5) * 0.3) * 1000) / 1000,
      user: Math.round(s.user * (0.8 + 0.4 * rand()) * 1000) / 1000,
      steal: s.source === 'guest' && rand() < 0.3 ? Math.round(rand() * 5000) / 1000 : s.steal,
      iowait: s.source === 'guest' && rand() < 0.2 ? null : s.iowait,
      memPssBytes:
        s.source === 'process' || (s.source === 'cgroup' && rand() < 0.5) ? Math.round(rand() * 2 ** 30) : null,
      memUssBytes: s.source === 'process' ? Math.round(rand() * 2 ** 29) : null,
      // a worker with a network of its own: bytes each interval (some intervals without)
      netRxBytes: s.source === 'process' && rand() < 0.9 ? Math.round(rand() * 1e7) : null,
      netTxBytes: s.source === 'process' && rand() < 0.9 ? Math.round(rand() * 1e5) : null,
      // two remote hosts' views instead of the harness's
      worker: s.source === 'host' && hosts ? (rand() < 0.5 ? 'h1' : 'h2') : s.worker,
    }),
  );
  fs.rmSync(file);
  const out = new SamplesWriter(file);
  out.write(rows);
  out.close();
  return dir;
}

describe('columnar path against the in-memory reference', () => {
  it('aggregates every figure, table and statistic the same to 1e-9', async () => {
    const dir = roughResults({}, true);
    const mem = loadResults(dir);
    const col = await openResults(dir);
    try {
      expect(col.samples.kind).toBe('parquet');
      const a = await collectPageSamples(mem);
      const b = await collectPageSamples(col);
      expect([...b.sections.keys()]).toEqual([...a.sections.keys()]);
      expect(a.sections.size).toBe(2);
      for (const [id, sec] of a.sections) {
        expect(sec.cpuWorker.length).toBeGreaterThan(100);
        expect(sec.memory.some((p) => p.series === 'Workload PSS')).toBe(true);
        expect(sec.network.some((p) => p.series === 'Received')).toBe(true);
        expect(sec.cpuWorker.some((p) => p.series === 'Steal CPU')).toBe(true);
        expect(new Set(sec.cpuPerHost.map((p) => p.envLabel.split(' @ ')[1]))).toEqual(new Set(['h1', 'h2']));
        expectSameSection(sec, b.sections.get(id)!);
      }
      expect(a.sections.get('synthetic-a')!.workerGaps.length).toBe(1);
      expect(a.sections.get('synthetic-a')!.crossCheck.length).toBeGreaterThan(0);
      const key = (s: { run: string; source: string }) => `${s.run}/${s.source}`;
      expectSameRows([...a.stats.values()].flat(), [...b.stats.values()].flat(), key);
      // and so the pages: the same tables and figure data
      expect(JSON.stringify(buildPage(col, b).tables)).toEqual(JSON.stringify(buildPage(mem, a).tables));
    } finally {
      col.samples.close();
    }
  });

  it('bins long runs to at most 300 points per panel the same way', async () => {
    const dir = roughResults({ workloads: 1, durationS: 400, repetitions: 1, failed: [], samplerGap: undefined });
    const mem = loadResults(dir);
    const col = await openResults(dir);
    try {
      const [a] = (await collectPageSamples(mem)).sections.values();
      const [b] = (await collectPageSamples(col)).sections.values();
      if (!a || !b) throw new Error('no section');
      expect(a.binS).toBeGreaterThan(0.5);
      expectSameSection(a, b);
    } finally {
      col.samples.close();
    }
  });
});

describe('compaction', () => {
  it('compacts incrementally, never a torn last line, and merges into one sorted file', async () => {
    const dir = roughResults({ workloads: 1, repetitions: 1, failed: [], samplerGap: undefined });
    const file = path.join(dir, FILES.samples);
    const whole = fs.readFileSync(file);
    const cut = whole.indexOf(10, Math.floor(whole.length / 3)) + 1;
    // a run's worth written, then a crash mid-line
    fs.writeFileSync(file, Buffer.concat([whole.subarray(0, cut), whole.subarray(cut, cut + 20)]));
    const duck = await openDuck();
    try {
      let m = await compactResults(duck, dir);
      expect(m.samples.bytes).toBe(cut);
      expect(m.samples.parts).toHaveLength(1);
      fs.writeFileSync(file, whole);
      m = await compactResults(duck, dir);
      expect(m.samples.parts).toHaveLength(2);
      m = await compactResults(duck, dir, { merge: true });
      expect(m.samples.parts).toEqual([COLUMNAR.samples]);
      expect(fs.existsSync(path.join(dir, COLUMNAR.parts))).toBe(false);
      const [n] = await duck.all<{ n: number }>(
        `SELECT count(*) AS n FROM read_parquet('${path.join(dir, COLUMNAR.samples)}')`,
      );
      expect(n!.n).toBe(readSamples(file).length);
    } finally {
      duck.close();
    }
    const c = await openColumnar(dir);
    try {
      const rows = await c.duck.all<{ run: string; source: string; t: number }>('SELECT run, source, t FROM samples');
      const sorted = [...rows].sort((x, y) => x.run.localeCompare(y.run) || x.source.localeCompare(y.source));
      expect(rows.map((r) => r.run + r.source)).toEqual(sorted.map((r) => r.run + r.source));
      const stats = await c.duck.all<{ n: number }>('SELECT count(*) AS n FROM runs');
      expect(stats[0]!.n).toBe(loadResults(dir).runs.length);
    } finally {
      c.close();
    }
  });

  it('names the file and line of a corrupt sample line, and keeps what was compacted', async () => {
    const dir = roughResults({ workloads: 1, repetitions: 1, failed: [], samplerGap: undefined });
    const file = path.join(dir, FILES.samples);
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    lines[41] = '["broken", 1,';
    fs.writeFileSync(file, lines.join('\n'));
    await expect(openResults(dir)).rejects.toThrow(`${file}:42: not a JSON line`);
    expect(readManifest(dir)).toBeNull();
  });

  it('reads the oldest results (one object per line, no workload column) and results without samples', async () => {
    const dir = roughResults({ workloads: 1, repetitions: 1, failed: [], samplerGap: undefined });
    const file = path.join(dir, FILES.samples);
    const samples = readSamples(file);
    fs.writeFileSync(file, `${samples.map(({ workload: _w, ...s }) => JSON.stringify(s)).join('\n')}\n`);
    const col = await openResults(dir);
    try {
      const stats = await col.samples.stats(col.runs);
      const ref = sourceStats(col.runs, samples);
      expect(stats.length).toBe(ref.length);
      expect(stats.reduce((a, s) => a + s.n, 0)).toBe(samples.length);
    } finally {
      col.samples.close();
    }
    fs.rmSync(file);
    fs.rmSync(path.join(dir, COLUMNAR.manifest));
    const empty = await openResults(dir);
    try {
      expect(await empty.samples.stats(empty.runs)).toEqual([]);
      const page = buildPage(empty, await collectPageSamples(empty));
      expect(page.tables.length).toBeGreaterThan(0);
    } finally {
      empty.samples.close();
    }
  });

  it('writes Parquet far smaller than the NDJSON, with typed columns', async () => {
    const dir = roughResults({ workloads: 1, failed: [], samplerGap: undefined });
    const c = await openColumnar(dir);
    try {
      const types = await c.duck.all<{ column_name: string; column_type: string }>('DESCRIBE samples');
      const typeOf = Object.fromEntries(types.map((t) => [t.column_name, t.column_type]));
      expect(typeOf).toMatchObject({ run: 'VARCHAR', instances: 'INTEGER', t: 'DOUBLE', memPssBytes: 'DOUBLE' });
      const ratio =
        fs.statSync(path.join(dir, COLUMNAR.samples)).size / fs.statSync(path.join(dir, FILES.samples)).size;
      expect(ratio).toBeLessThan(0.25);
    } finally {
      c.close();
    }
  });

  it("offers worker_view: each worker's own view only, one source per run, never the host's", async () => {
    const dir = roughResults({ workloads: 1, failed: [], samplerGap: undefined });
    const c = await openColumnar(dir);
    try {
      const rows = await c.duck.all<{ run: string; sources: string; own: string }>(
        'SELECT run, string_agg(DISTINCT source) AS sources, any_value(r.workerSource) AS own FROM worker_view JOIN runs r USING (run) GROUP BY run',
      );
      expect(rows.length).toBeGreaterThan(0);
      for (const r of rows) expect(r.sources).toBe(r.own);
      const [all] = await c.duck.all<{ n: number }>(
        'SELECT count(*) AS n FROM samples s JOIN runs r USING (run) WHERE s.source = r.workerSource',
      );
      const [view] = await c.duck.all<{ n: number }>('SELECT count(*) AS n FROM worker_view');
      expect(view!.n).toBe(all!.n);
      const [other] = await c.duck.all<{ n: number }>("SELECT count(*) AS n FROM samples WHERE source = 'host'");
      expect(other!.n).toBeGreaterThan(0); // the host's samples exist, and stay out of worker_view
    } finally {
      c.close();
    }
  });
});

describe('query output', () => {
  const columns = ['env', 'n', 'cpu', 'at', 'metrics'];
  const rows = [
    ['docker', 12n, 70.12345678, new Date('2026-01-01T00:00:00Z'), [{ key: 'opsPerSecond', value: 2.5 }]],
    ['native', 3n, null, null, []],
  ];
  it('prints an aligned table with numbers to the right and a row count', () => {
    const text = formatRows(columns, rows, 'table').split('\n');
    expect(text[0]).toMatch(/^env\s+n\s+cpu\s+at\s+metrics$/);
    expect(text[2]).toContain('docker  12  70.1235  2026-01-01T00:00:00.000Z  {"opsPerSecond":2.5}');
    expect(text.at(-1)).toBe('(2 rows)');
  });
  it('prints CSV and JSON with exact integers and maps as objects', () => {
    expect(formatRows(columns, rows, 'csv').split('\n')[1]).toBe(
      'docker,12,70.1235,2026-01-01T00:00:00.000Z,"{""opsPerSecond"":2.5}"',
    );
    const json = JSON.parse(formatRows(columns, rows, 'json'));
    expect(json[0]).toEqual({
      env: 'docker',
      n: 12,
      cpu: 70.12345678,
      at: '2026-01-01T00:00:00.000Z',
      metrics: { opsPerSecond: 2.5 },
    });
    expect(json[1].cpu).toBeNull();
  });
});
