import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSamples, SamplesWriter } from '../../src/results/store.js';
import type { SampleRecord } from '../../src/results/types.js';

const tmpFile = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'versus-store-')), 'samples.ndjson');

const sample = (i: number, worker = 'qemu-0'): SampleRecord => ({
  run: '001-qemu-x1-r1',
  workload: '',
  env: 'qemu',
  instances: 1,
  repetition: 0,
  worker,
  source: 'guest',
  t: i * 0.25,
  user: 90.125,
  system: 5,
  iowait: 0.5,
  steal: null,
  idle: 4.375,
  cores: 0.95,
  allocCpus: 1,
  memUsedBytes: 123456789,
  memCachedBytes: null,
  memLimitBytes: 1073741824,
  gapS: i === 3 ? 1.5 : null,
  memPssBytes: i === 2 ? null : 5e7 + i,
  memUssBytes: i === 2 ? null : 4e7 + i,
  netRxBytes: i === 1 ? null : 1500 * i,
  netTxBytes: i === 1 ? null : 60 * i,
  netRxPackets: i === 1 ? null : i,
  netTxPackets: i === 1 ? null : i,
});

describe('samples file', () => {
  it('reads back what the writer wrote (header, then one array per sample)', () => {
    const file = tmpFile();
    const w = new SamplesWriter(file);
    const rows = Array.from({ length: 10 }, (_, i) => sample(i));
    w.write(rows);
    w.close();
    expect(fs.readFileSync(file, 'utf8').split('\n')[0]).toContain('"columns"');
    expect(readSamples(file)).toEqual(rows);
  });

  it('keeps lines whole across read chunks, multi-byte characters included', () => {
    const file = tmpFile();
    const w = new SamplesWriter(file);
    // over 8 MiB: lines cross the chunk boundary at an arbitrary byte
    const rows = Array.from({ length: 100_000 }, (_, i) => sample(i, `wörker-ß-${'é'.repeat(i % 7)}-${i}`));
    w.write(rows);
    w.close();
    expect(fs.statSync(file).size).toBeGreaterThan(8 * 2 ** 20);
    const back = readSamples(file);
    expect(back).toHaveLength(rows.length);
    expect(back[99_999]).toEqual(rows[99_999]);
    expect(back.every((r, i) => r.worker === rows[i]!.worker)).toBe(true);
  });

  it('skips a torn last line (a crash mid-write) and names the line of a broken one', () => {
    const file = tmpFile();
    const w = new SamplesWriter(file);
    w.write([sample(0), sample(1)]);
    w.close();
    fs.appendFileSync(file, '["001-qemu-x1-r1","qemu",1,0,"qemu-0","gu');
    expect(readSamples(file)).toHaveLength(2);
    fs.writeFileSync(file, `${fs.readFileSync(file, 'utf8').split('\n').slice(0, 2).join('\n')}\nnot json\n`);
    expect(() => readSamples(file)).toThrow(/samples\.ndjson:3: not a JSON line/);
  });

  it('reads one object per line too, and nothing from a missing file', () => {
    const file = tmpFile();
    fs.writeFileSync(file, `${JSON.stringify(sample(0))}\n${JSON.stringify(sample(1))}\n`);
    expect(readSamples(file)).toEqual([sample(0), sample(1)]);
    expect(readSamples(path.join(path.dirname(file), 'none.ndjson'))).toEqual([]);
  });
});
