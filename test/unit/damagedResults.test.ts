// Damaged result files: every reader either succeeds and names what it left out, or
// fails with one UsageError naming the file and line; nothing half-made is left, and a
// Parquet copy is never overwritten from a log that shrank.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { COLUMNAR } from '../../src/results/columnar/compact.js';
import { openResults, withResults } from '../../src/results/read.js';
import { FILES } from '../../src/results/store.js';
import { UsageError } from '../../src/util/errors.js';
import { writeSyntheticResults } from '../support/synthetic.js';

const ROOT = fs.mkdtempSync(path.join(os.tmpdir(), 'versus-damaged-'));
afterAll(() => fs.rmSync(ROOT, { recursive: true, force: true }));
let n = 0;
function results(): string {
  const dir = path.join(ROOT, `r${n++}`);
  writeSyntheticResults(dir, { envs: ['docker', 'native'], instances: [1], repetitions: 2, durationS: 3 });
  return dir;
}
const lines = (file: string) => fs.readFileSync(file, 'utf8').split('\n');

describe('damaged result files', () => {
  it('a garbage line in samples.ndjson is named by its own line number, and leaves no parts/ behind', async () => {
    const dir = results();
    const file = path.join(dir, FILES.samples);
    const all = lines(file);
    const bad = Math.floor(all.length / 2);
    all[bad - 1] = 'garbage';
    fs.writeFileSync(file, all.join('\n'));
    const err = await openResults(dir).catch((e: Error) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toBe(`${file}:${bad}: not a JSON line`);
    expect(fs.existsSync(path.join(dir, COLUMNAR.parts))).toBe(false);
    expect(fs.existsSync(path.join(dir, COLUMNAR.samples))).toBe(false);
  });

  it('a torn last line of runs.ndjson is left out and named, in the result set and on the log', async () => {
    const dir = results();
    const file = path.join(dir, FILES.runs);
    const text = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, text.slice(0, text.length - 40));
    const said: string[] = [];
    const rs = await withResults(dir, (r) => r, { log: (m) => said.push(m) });
    expect(rs.runs).toHaveLength(3);
    expect(rs.skipped).toEqual([`${file}:4: a torn last line (a write that did not finish); skipped`]);
    expect(said).toContain(rs.skipped[0]);
  });

  it('runs.ndjson emptied after compaction: an error naming it, and runs.parquet left as it was', async () => {
    const dir = results();
    await withResults(dir, () => {});
    const parquet = path.join(dir, COLUMNAR.runs);
    const before = fs.readFileSync(parquet);
    fs.writeFileSync(path.join(dir, FILES.runs), '');
    const err = await openResults(dir).catch((e: Error) => e);
    expect((err as Error).message).toMatch(
      /runs\.ndjson: 0 bytes of whole lines, fewer than the \d+ already in runs\.parquet/,
    );
    expect(fs.readFileSync(parquet).equals(before)).toBe(true);
  });

  it('any truncation of runs.ndjson: success naming what was left out, or an error naming file and line', async () => {
    const pristine = results();
    const text = fs.readFileSync(path.join(pristine, FILES.runs), 'utf8');
    const total = text.split('\n').filter(Boolean).length;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: text.length - 1 }), async (cut) => {
        const dir = path.join(ROOT, `cut${n++}`);
        fs.cpSync(pristine, dir, { recursive: true });
        const kept = text.slice(0, cut);
        fs.writeFileSync(path.join(dir, FILES.runs), kept);
        const said: string[] = [];
        const rs = await withResults(dir, (r) => r, { log: (m) => said.push(m) });
        const last = kept.slice(kept.lastIndexOf('\n') + 1);
        const lastWhole = (() => {
          try {
            JSON.parse(last);
            return true;
          } catch {
            return false;
          }
        })();
        const whole = kept.split('\n').length - 1 + (last.trim() && lastWhole ? 1 : 0);
        expect(rs.runs).toHaveLength(whole);
        // a run that is not there is a torn line that is named, or was never written
        expect(rs.skipped).toHaveLength(last.trim() && !lastWhole ? 1 : 0);
        expect(whole + rs.skipped.length).toBeLessThanOrEqual(total);
        fs.rmSync(dir, { recursive: true, force: true });
      }),
      { numRuns: 15 },
    );
  });
});
