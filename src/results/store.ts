import fs from 'node:fs';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { stringify } from 'csv-stringify/sync';
import { workerMean } from './metrics.js';
import { type RunRecord, SAMPLE_COLUMNS, type SampleRecord } from './types.js';

export const FILES = {
  experiment: 'experiment.json',
  runs: 'runs.ndjson',
  samples: 'samples.ndjson',
  runsCsv: 'runs.csv',
  samplesCsv: 'samples.csv',
  summary: 'summary.json',
  /** a boot sweep's instances, one line each (results/bootSweep.ts) */
  boot: 'boot.ndjson',
} as const;

/** Appends one JSON object per line, written through at once so a crash loses nothing written. */
export class NdjsonWriter {
  private fd: number;
  constructor(readonly file: string) {
    this.fd = fs.openSync(file, 'a');
  }
  write(rows: readonly unknown[]): void {
    if (rows.length === 0) return;
    fs.writeSync(this.fd, `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
  }
  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }
}

export function timestampName(now: Date, name: string): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  return `${stamp}-${name}`;
}

export function createResultDir(outputDir: string, name: string, now = new Date()): string {
  fs.mkdirSync(outputDir, { recursive: true });
  let dir = path.join(outputDir, timestampName(now, name));
  for (let i = 2; fs.existsSync(dir); i++) dir = path.join(outputDir, `${timestampName(now, name)}-${i}`);
  fs.mkdirSync(dir);
  return dir;
}

/** Reads NDJSON, skipping a torn last line (a crash mid-write); other bad lines are errors. */
export function readNdjson<T>(file: string): T[] {
  return readNdjsonLines<T>(file).rows;
}

/**
 * The lines of an NDJSON log, and the last one if it is torn (a write that did not finish:
 * named, so that what is dropped is said); a bad line before it is an error naming it.
 */
export function readNdjsonLines<T>(file: string): { rows: T[]; skipped: string[] } {
  if (!fs.existsSync(file)) return { rows: [], skipped: [] };
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const rows: T[] = [];
  const skipped: string[] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    try {
      rows.push(JSON.parse(line) as T);
    } catch {
      if (i < lines.length - 2) throw new Error(`${file}:${i + 1}: not a JSON line`);
      skipped.push(`${file}:${i + 1}: a torn last line (a write that did not finish); skipped`);
    }
  });
  return { rows, skipped };
}

export const SAMPLES_FORMAT = 'versus-samples/1';

/** Rounding per column: sub-percent and sub-millisecond digits are noise at these sampling rates. */
const SAMPLE_DIGITS: Partial<Record<keyof SampleRecord, number>> = {
  t: 3,
  user: 3,
  system: 3,
  iowait: 3,
  steal: 3,
  idle: 3,
  cores: 4,
};

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/**
 * samples.ndjson: a header line naming the columns, then one JSON array per
 * sample in that order. About 2.5x smaller and faster to parse than one object
 * per line, which matters at a million samples; still one line per sample,
 * appended as it comes.
 */
export class SamplesWriter {
  private readonly out: NdjsonWriter;
  constructor(file: string) {
    const fresh = !fs.existsSync(file) || fs.statSync(file).size === 0;
    this.out = new NdjsonWriter(file);
    if (fresh) this.out.write([{ format: SAMPLES_FORMAT, columns: SAMPLE_COLUMNS }]);
  }
  write(rows: readonly SampleRecord[]): void {
    this.out.write(
      rows.map((r) =>
        SAMPLE_COLUMNS.map((c) => {
          const v = r[c];
          const d = SAMPLE_DIGITS[c];
          return d !== undefined && typeof v === 'number' ? round(v, d) : v;
        }),
      ),
    );
  }
  close(): void {
    this.out.close();
  }
}

/**
 * Rows repeat the same few strings (run, env, worker, source) a million times:
 * keep one copy of each, so the parsed duplicates die young instead of filling
 * the old generation (half the report's time went to the garbage collector).
 */
class Interner {
  private readonly seen = new Map<string, string>();
  of(s: string): string {
    const known = this.seen.get(s);
    if (known !== undefined) return known;
    this.seen.set(s, s);
    return s;
  }
}

/** The usual column order as one object literal: one hidden class for a million rows. */
function fromStandardRow(a: unknown[], strings: Interner): SampleRecord {
  return {
    run: strings.of(a[0] as string),
    env: strings.of(a[1] as string),
    instances: a[2] as number,
    repetition: a[3] as number,
    worker: strings.of(a[4] as string),
    source: strings.of(a[5] as string) as SampleRecord['source'],
    t: a[6] as number,
    user: a[7] as number,
    system: a[8] as number,
    iowait: (a[9] ?? null) as number | null,
    steal: (a[10] ?? null) as number | null,
    idle: (a[11] ?? null) as number | null,
    cores: a[12] as number,
    allocCpus: a[13] as number,
    memUsedBytes: (a[14] ?? null) as number | null,
    memCachedBytes: (a[15] ?? null) as number | null,
    memLimitBytes: (a[16] ?? null) as number | null,
    gapS: (a[17] ?? null) as number | null,
    memPssBytes: (a[18] ?? null) as number | null,
    memUssBytes: (a[19] ?? null) as number | null,
    workload: strings.of((a[20] as string) ?? ''),
    netRxBytes: (a[21] ?? null) as number | null,
    netTxBytes: (a[22] ?? null) as number | null,
    netRxPackets: (a[23] ?? null) as number | null,
    netTxPackets: (a[24] ?? null) as number | null,
  };
}

function fromRow(columns: readonly (keyof SampleRecord)[], a: unknown[]): SampleRecord {
  const row: Record<string, unknown> = { workload: '' };
  for (let i = 0; i < columns.length; i++) row[columns[i]!] = a[i] ?? null;
  return row as unknown as SampleRecord;
}

/**
 * Calls onLine for every line of a file, read in 8 MiB chunks: a results file of
 * a million samples never sits in memory as one string. The last line is flagged
 * when it has no newline (a crash mid-write).
 */
function forEachLine(file: string, onLine: (line: string, torn: boolean) => boolean): void {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(8 << 20);
  const decoder = new StringDecoder('utf8');
  let carry = '';
  try {
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      const text = carry + (n > 0 ? decoder.write(buf.subarray(0, n)) : decoder.end());
      let start = 0;
      for (;;) {
        const end = text.indexOf('\n', start);
        if (end < 0) break;
        if (!onLine(text.slice(start, end), false)) return;
        start = end + 1;
      }
      carry = text.slice(start);
      if (n === 0) {
        if (carry) onLine(carry, true);
        return;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads samples.ndjson (column arrays after a header, or one object per line); a torn last line is skipped. */
export function readSamples(file: string): SampleRecord[] {
  if (!fs.existsSync(file)) return [];
  const out: SampleRecord[] = [];
  const strings = new Interner();
  let columns: readonly (keyof SampleRecord)[] | null = null;
  let standardColumns = false;
  let lineNo = 0;
  forEachLine(file, (line, torn) => {
    lineNo++;
    if (!line.trim()) return true;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      if (torn) return false; // a crash mid-write: everything before it is whole
      throw new Error(`${file}:${lineNo}: not a JSON line`);
    }
    if (Array.isArray(value)) {
      if (!columns) throw new Error(`${file}:${lineNo}: sample row before the header line`);
      out.push(standardColumns ? fromStandardRow(value, strings) : fromRow(columns, value));
    } else if (value && typeof value === 'object' && 'columns' in value) {
      columns = (value as { columns: (keyof SampleRecord)[] }).columns;
      standardColumns = columns.join() === SAMPLE_COLUMNS.join();
    } else {
      out.push({ ...(value as SampleRecord), workload: (value as SampleRecord).workload ?? '' });
    }
    return true;
  });
  return out;
}

/** runs.csv: one row per run, one `metric.<name>` column per workload metric (mean over the run's workers). */
export function exportRunsCsv(dir: string, runs: readonly RunRecord[]): void {
  // blank where a workload lacks the metric
  const metricNames = [...new Set(runs.flatMap((r) => r.workers.flatMap((w) => Object.keys(w.metrics ?? {}))))].sort();
  const runRows = runs.map((r) => ({
    run: r.run,
    workload: r.workload ?? '',
    env: r.env,
    instances: r.instances,
    repetition: r.repetition,
    warmup: r.warmup,
    status: r.status,
    reason: r.reason ?? '',
    makespanS: r.makespanS ?? '',
    provisionS: r.provisionS ?? '',
    checksum: r.checksum ?? '',
    barrierAt: r.barrierAt ?? '',
    ...Object.fromEntries(metricNames.map((m) => [`metric.${m}`, workerMean(r, m) ?? ''])),
  }));
  fs.writeFileSync(
    path.join(dir, FILES.runsCsv),
    stringify(runRows, { header: true, columns: Object.keys(runRows[0] ?? { run: '' }) }),
  );
}

/** samples.csv from sample objects: the fallback when the columnar engine cannot write it. */
export function exportSamplesCsvFromMemory(dir: string, samples: readonly SampleRecord[]): void {
  fs.writeFileSync(
    path.join(dir, FILES.samplesCsv),
    stringify(
      samples.map((s) => SAMPLE_COLUMNS.map((c) => s[c] ?? '')),
      { header: true, columns: SAMPLE_COLUMNS as string[] },
    ),
  );
}
