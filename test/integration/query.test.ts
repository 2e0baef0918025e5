// versus query streams: a million rows in every format with the child's memory bounded,
// and a query that is empty or holds several statements is a usage error.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeSyntheticResults } from '../support/synthetic.js';
import { CLI, runCli } from './helpers.js';

const OUT = fs.mkdtempSync(path.join(os.tmpdir(), 'versus-query-'));
afterAll(() => fs.rmSync(OUT, { recursive: true, force: true }));
const results = path.join(OUT, 'results');
fs.mkdirSync(results);
writeSyntheticResults(results, { repetitions: 1, durationS: 2 });

/** Runs a query with a small JS heap, counting stdout lines as they pass; the child's peak RSS from /proc. */
function bigQuery(format: string): Promise<{ code: number | null; lines: number; last: string; peakRssMiB: number }> {
  const sql = "SELECT i, i * 0.5 AS x, 'row ' || i AS s FROM range(1000000) t(i)";
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--max-old-space-size=64', CLI, 'query', results, sql, '--format', format], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let lines = 0;
    let tail = '';
    let last = '';
    let peak = 0;
    child.stdout.on('data', (d: Buffer) => {
      const text = tail + d.toString();
      const parts = text.split('\n');
      tail = parts.pop() ?? '';
      lines += parts.length;
      if (parts.length) last = parts.at(-1)!;
    });
    const watch = setInterval(() => {
      const hwm = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
      if (hwm) peak = Math.max(peak, Number(hwm) / 1024);
    }, 50);
    child.on('close', (code) => {
      clearInterval(watch);
      resolve({ code, lines, last, peakRssMiB: peak });
    });
  });
}

describe('versus query', () => {
  it.each([
    ['table', 1_000_003, '(1000000 rows)'],
    ['csv', 1_000_001, '999999,500000,row 999999'], // cells to 6 significant digits, as before
    ['json', 5_000_002, ']'],
  ])('streams a million rows as %s with a 64 MB JavaScript heap', async (format, lines, last) => {
    const r = await bigQuery(format);
    expect(r.code).toBe(0);
    expect(r.lines).toBe(lines);
    expect(r.last).toBe(last);
    // DuckDB's own buffers included; holding the rows as objects took 650 MB
    expect(r.peakRssMiB).toBeLessThan(400);
  });

  it('refuses an empty query and several statements, naming the problem', async () => {
    const empty = await runCli(['query', results, '  ;  -- nothing\n']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('query: the SQL is empty');
    const two = await runCli(['query', results, 'SELECT 1; SELECT 2']);
    expect(two.code).toBe(2);
    expect(two.stderr).toContain('query: 2 statements; give one');
    const bad = await runCli(['query', results, 'SELECT nope FROM runs']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/query: Binder Error/);
    const typo = await runCli(['query', results, 'SELEC nothing']);
    expect(typo.stderr).toMatch(/^versus: query: Parser Error: syntax error at or near "SELEC"\n$/);
  });
});
