import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { type RunRecord, SAMPLE_COLUMNS, type SampleRecord } from './types.js';

export const FILES = {
  experiment: 'experiment.json',
  runs: 'runs.ndjson',
  samples: 'samples.ndjson',
  runsCsv: 'runs.csv',
  samplesCsv: 'samples.csv',
  summary: 'summary.json',
} as const;

/** Whole-file JSON through a temp file and rename: a crash leaves the old or the new file, never half. */
export function writeJsonAtomic(file: string, value: unknown): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  fs.renameSync(tmp, file);
}

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
  if (!fs.existsSync(file)) return [];
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const out: T[] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      if (i < lines.length - 2) throw new Error(`${file}:${i + 1}: not a JSON line`);
    }
  });
  return out;
}

export function exportCsv(dir: string): void {
  const runs = readNdjson<RunRecord>(path.join(dir, FILES.runs));
  const runRows = runs.map((r) => ({
    run: r.run,
    env: r.env,
    instances: r.instances,
    repetition: r.repetition,
    warmup: r.warmup,
    status: r.status,
    reason: r.reason ?? '',
    makespanS: r.makespanS ?? '',
    provisionS: r.provisionS ?? '',
    checksum: r.checksum ?? '',
    edgesPerSecond: mean(r.workers.map((w) => w.edgesPerSecond).filter((x): x is number => x !== null)) ?? '',
    barrierAt: r.barrierAt ?? '',
  }));
  fs.writeFileSync(
    path.join(dir, FILES.runsCsv),
    stringify(runRows, { header: true, columns: Object.keys(runRows[0] ?? { run: '' }) }),
  );
  const samples = readNdjson<SampleRecord>(path.join(dir, FILES.samples));
  fs.writeFileSync(
    path.join(dir, FILES.samplesCsv),
    stringify(
      samples.map((s) => SAMPLE_COLUMNS.map((c) => s[c] ?? '')),
      { header: true, columns: SAMPLE_COLUMNS as string[] },
    ),
  );
}

function mean(xs: number[]): number | null {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}
