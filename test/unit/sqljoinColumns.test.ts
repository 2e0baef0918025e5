import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GrowableArray } from '../../workloads/lib/growable.mjs';
import { forEachLineBytes } from '../../workloads/lib/textfile.mjs';
import { buildIndex, hashBytes, lookup, TextColumnBuilder, textAt } from '../../workloads/sqljoin/columns.mjs';
import { centsAt, dayAt, readRankings, readVisits } from '../../workloads/sqljoin/tables.mjs';

const bytes = (s: string) => Buffer.from(s, 'latin1');
const column = (...texts: string[]) => {
  const b = new TextColumnBuilder('test');
  for (const t of texts) b.push(bytes(t), 0, t.length);
  return b.finish();
};
const tmpFile = (text: string | Buffer) => {
  const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'versus-sqlcol-')), 'data.csv');
  fs.writeFileSync(f, text);
  return f;
};

describe('sqljoin columns', () => {
  it('parses revenue into cents exactly as the old regex did', () => {
    const cases: [string, number][] = [
      ['0', 0],
      ['12', 1200],
      ['1.5', 150],
      ['1.05', 105],
      ['999999999999.99', 99999999999999],
      ['12.', -1],
      ['.5', -1],
      ['1.234', -1],
      ['1,5', -1],
      ['-1', -1],
      ['1234567890123', -1],
      ['', -1],
    ];
    for (const [text, cents] of cases) expect(centsAt(bytes(text), 0, text.length), text).toBe(cents);
  });

  it('reads dates as YYYYMMDD, ordered as their text', () => {
    expect(dayAt(bytes('1999-01-01'), 0, 10)).toBe(19990101);
    expect(dayAt(bytes('x2000-12-31'), 1, 11)).toBe(20001231);
    for (const bad of ['1999-1-01', '1999/01/01', '1999-01-0a', '19990101'])
      expect(dayAt(bytes(bad), 0, bad.length), bad).toBe(-1);
  });

  it('grows text and number columns past their first allocation', () => {
    const text = new TextColumnBuilder('big');
    const nums = new GrowableArray(Int32Array);
    const row = bytes('x'.repeat(1000));
    for (let i = 0; i < 3000; i++) {
      text.push(row, 0, 1 + (i % 1000));
      nums.push(i);
    }
    const col = text.finish();
    const values = nums.shared();
    expect(col.bytes.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(values.length).toBe(3000);
    expect(values[2999]).toBe(2999);
    expect(textAt(col, 2999)).toBe('x'.repeat(1000));
    expect(col.offsets[3000]).toBe(col.bytes.length);
  });

  it('finds every key through the hash index; a repeated key keeps its last row', () => {
    const keys = column('/a.html', '/b.html', '/c.html', '/b.html', '');
    const index = buildIndex(keys, 5);
    const probes = column('/b.html', '/a.html', '/zz.html', '', '/c.htm');
    const found = [0, 1, 2, 3, 4].map((j) =>
      lookup(index, keys, probes, j, hashBytes(probes.bytes, probes.offsets[j]!, probes.offsets[j + 1]!)),
    );
    expect(found).toEqual([3, 0, -1, 4, -1]);
  });

  it('reads lines as bytes across blocks, a line longer than the block, and no final newline', () => {
    const long = 'y'.repeat(5 << 20);
    const file = tmpFile(`a,b\n\n${long}\nlast`);
    const seen: [string, number][] = [];
    const n = forEachLineBytes(file, (buf: Buffer, start: number, end: number, lineNo: number) => {
      seen.push([end - start > 10 ? `long ${end - start}` : buf.toString('latin1', start, end), lineNo]);
    });
    expect(n).toBe(4);
    expect(seen).toEqual([
      ['a,b', 1],
      ['', 2],
      [`long ${5 << 20}`, 3],
      ['last', 4],
    ]);
  });

  it('names the line of a bad date or amount in uservisits', () => {
    const good = '10.0.0.1,/p/1.html,1999-05-05,12.50,UA,DEU,de,w,3';
    const badDate = tmpFile(`${good}\n${good.replace('1999-05-05', '1999-5-05')}\n`);
    expect(() => readVisits(badDate)).toThrow(/data\.csv:2: visitDate "1999-5-05" is not YYYY-MM-DD/);
    const badCents = tmpFile(`${good}\n\n${good.replace('12.50', '12.5x')}\n`);
    expect(() => readVisits(badCents)).toThrow(/data\.csv:3: adRevenue "12.5x" is not a decimal amount/);
    const visits = readVisits(tmpFile(`${good}\n${good.replace('10.0.0.1', '10.0.0.22')}`));
    expect(visits.n).toBe(2);
    expect(textAt(visits.ip, 1)).toBe('10.0.0.22');
    expect(Array.from(visits.cents)).toEqual([1250, 1250]);
    expect(Array.from(visits.day)).toEqual([19990505, 19990505]);
  });

  it('reads rankings with their index, and names the line of a bad one', () => {
    const rankings = readRankings(tmpFile('/a.html,5,1\n/b.html,7,2\n\n/a.html,9,3\n'));
    expect(rankings.n).toBe(3);
    expect(Array.from(rankings.rank)).toEqual([5, 7, 9]);
    const probe = column('/a.html');
    const row = lookup(rankings.index, rankings.url, probe, 0, hashBytes(probe.bytes, 0, 7));
    expect(rankings.rank[row]).toBe(9); // the later line wins, as a map's set does
    expect(() => readRankings(tmpFile('/a.html,5,1\n/b.html,7\n'))).toThrow(/data\.csv:2: 2 fields, rankings has 3/);
    expect(() => readRankings(tmpFile('/a.html,5,1\n/b.html,x7,1\n'))).toThrow(
      /data\.csv:2: pageRank "x7" is not an integer/,
    );
    expect(() => readRankings(tmpFile('/a.html,,1\n'))).toThrow(/data\.csv:1: pageRank "" is not an integer/);
  });
});
