// Compaction: the crash-safe NDJSON logs become Parquet. Samples are compacted
// incrementally (the bytes appended since the last compaction become one part, at
// the end of every run) and merged into one sorted samples.parquet at the end of
// an experiment; runs and workers are rewritten whole (they are small). Every file
// is written to a temporary name and renamed, and columnar.json, the manifest, is
// written last: a crash leaves the previous state, never a half-written one.
import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../util/errors.js';
import { writeJsonAtomic } from '../../util/files.js';
import { workerMean } from '../metrics.js';
import { FILES, readNdjson } from '../store.js';
import type { RunRecord } from '../types.js';
import { workerSourceOf } from '../views.js';
import { type Duck, duckMessage, lit, litList } from './duck.js';
import {
  COLUMNAR_FORMAT,
  jsonColumns,
  RUN_TYPES,
  type RunRow,
  SAMPLE_ORDER,
  sampleSelect,
  WORKER_TYPES,
  type WorkerRow,
} from './schema.js';

export const COLUMNAR = {
  manifest: 'columnar.json',
  samples: 'samples.parquet',
  runs: 'runs.parquet',
  workers: 'workers.parquet',
  parts: 'parts',
} as const;

export interface ColumnarManifest {
  format: typeof COLUMNAR_FORMAT;
  samples: {
    /** bytes of samples.ndjson already in the parts */
    bytes: number;
    /** the header's columns (null: one object per line, the oldest results) */
    columns: string[] | null;
    /** Parquet files holding those bytes' rows, relative to the columnar directory */
    parts: string[];
  };
  /** bytes of runs.ndjson in runs.parquet */
  runsBytes: number;
}

export function readManifest(outDir: string): ColumnarManifest | null {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(outDir, COLUMNAR.manifest), 'utf8')) as ColumnarManifest;
    const partsThere = m.samples.parts.every((p) => fs.existsSync(path.join(outDir, p)));
    return m.format === COLUMNAR_FORMAT && partsThere ? m : null;
  } catch {
    return null;
  }
}

/** Bytes of a file up to and including its last newline: a torn last line is never compacted. */
export function wholeLinesEnd(file: string): number {
  if (!fs.existsSync(file)) return 0;
  const size = fs.statSync(file).size;
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(64 << 10);
    for (let end = size; end > 0; ) {
      const start = Math.max(0, end - buf.length);
      fs.readSync(fd, buf, 0, end - start, start);
      const i = buf.subarray(0, end - start).lastIndexOf(10);
      if (i >= 0) return start + i + 1;
      end = start;
    }
    return 0;
  } finally {
    fs.closeSync(fd);
  }
}

/** True when the Parquet files hold everything the NDJSON logs hold. */
export function isCurrent(resultsDir: string, m: ColumnarManifest | null): m is ColumnarManifest {
  return (
    m !== null &&
    m.samples.bytes === wholeLinesEnd(path.join(resultsDir, FILES.samples)) &&
    m.runsBytes === wholeLinesEnd(path.join(resultsDir, FILES.runs))
  );
}

/** The header's columns, or null when the file holds one object per line. */
function headerColumns(file: string): string[] | null {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(64 << 10);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    const first = buf.subarray(0, n).toString('utf8').split('\n')[0]!;
    const head = JSON.parse(first) as { columns?: unknown };
    return Array.isArray(head?.columns) ? (head.columns as string[]) : null;
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

function copyRange(from: string, to: string, start: number, end: number): void {
  const src = fs.openSync(from, 'r');
  const dst = fs.openSync(to, 'w');
  try {
    const buf = Buffer.allocUnsafe(8 << 20);
    for (let pos = start; pos < end; ) {
      const n = fs.readSync(src, buf, 0, Math.min(buf.length, end - pos), pos);
      if (n <= 0) break;
      fs.writeSync(dst, buf, 0, n);
      pos += n;
    }
  } finally {
    fs.closeSync(src);
    fs.closeSync(dst);
  }
}

function linesBefore(file: string, offset: number): number {
  if (offset === 0) return 0;
  const buf = Buffer.allocUnsafe(offset);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, buf, 0, offset, 0);
  } finally {
    fs.closeSync(fd);
  }
  let n = 0;
  for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) n++;
  return n;
}

/** The lines of an NDJSON file as rows of one column: exactly one row per line (a blank one is NULL). */
const linesOf = (file: string) =>
  `read_csv(${lit(file)}, columns = {'line': 'VARCHAR'}, delim = E'\\x01', quote = '', escape = '', header = false, auto_detect = false)`;

/**
 * The first line of a range that is not JSON, as samples.ndjson:<line>: the line the user
 * can open. Found by reading the range in order (the engine's row numbers follow its
 * parallel scan, not the file: they gave twice the line number).
 */
function malformed(err: unknown, file: string, range: string, offset: number): Error {
  const lines = fs.readFileSync(range, 'utf8').split('\n');
  const bad = lines.findIndex((line) => {
    if (!line.trim()) return false;
    try {
      JSON.parse(line);
      return false;
    } catch {
      return true;
    }
  });
  if (bad < 0) return new UsageError(`${file}: ${duckMessage(err)}`);
  return new UsageError(`${file}:${linesBefore(file, offset) + bad + 1}: not a JSON line`);
}

const PARQUET = '(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)';

/** The samples appended since the last compaction, as one more sorted part. */
async function compactTail(duck: Duck, resultsDir: string, outDir: string, m: ColumnarManifest): Promise<void> {
  const file = path.join(resultsDir, FILES.samples);
  const end = wholeLinesEnd(file);
  if (end <= m.samples.bytes) return;
  if (m.samples.bytes === 0) m.samples.columns = headerColumns(file);
  const whole = m.samples.bytes === 0 && end === fs.statSync(file).size;
  const tail = whole ? file : path.join(outDir, COLUMNAR.parts, `tail-${process.pid}.ndjson`);
  fs.mkdirSync(path.join(outDir, COLUMNAR.parts), { recursive: true });
  if (!whole) copyRange(file, tail, m.samples.bytes, end);
  const name = path.join(
    COLUMNAR.parts,
    `samples-${String(m.samples.parts.length + 1).padStart(4, '0')}-${end}.parquet`,
  );
  const target = path.join(outDir, name);
  // header mode: only arrays are rows (the header is an object); object mode: every line is a row
  const rows = m.samples.columns ? "WHERE json_type(json) = 'ARRAY'" : '';
  const json = `(SELECT line::JSON AS json FROM ${linesOf(tail)} WHERE line IS NOT NULL)`;
  try {
    await duck.run(
      `COPY (SELECT ${sampleSelect(m.samples.columns)} FROM ${json} ${rows} ORDER BY ${SAMPLE_ORDER}) TO ${lit(`${target}.tmp`)} ${PARQUET}`,
    );
  } catch (err) {
    fs.rmSync(`${target}.tmp`, { force: true });
    throw malformed(err, file, tail, m.samples.bytes);
  } finally {
    if (!whole) fs.rmSync(tail, { force: true });
    // a failed first compaction leaves nothing half-made
    const parts = path.join(outDir, COLUMNAR.parts);
    if (fs.existsSync(parts) && fs.readdirSync(parts).length === 0) fs.rmdirSync(parts);
  }
  fs.renameSync(`${target}.tmp`, target);
  m.samples.bytes = end;
  m.samples.parts.push(name);
}

/** Every part into one samples.parquet, sorted; the parts are removed once the manifest names the merged file. */
async function mergeParts(duck: Duck, outDir: string, m: ColumnarManifest): Promise<void> {
  if (m.samples.parts.length === 1 && m.samples.parts[0] === COLUMNAR.samples) return;
  const target = path.join(outDir, COLUMNAR.samples);
  const inputs = m.samples.parts.map((p) => path.join(outDir, p));
  if (inputs.length)
    await duck.run(
      `COPY (SELECT * FROM read_parquet(${litList(inputs)}) ORDER BY ${SAMPLE_ORDER}) TO ${lit(`${target}.tmp`)} ${PARQUET}`,
    );
  else
    await duck.run(
      `COPY (SELECT ${sampleSelect([])} FROM (SELECT NULL AS json) WHERE false) TO ${lit(`${target}.tmp`)} ${PARQUET}`,
    );
  fs.renameSync(`${target}.tmp`, target);
  const old = m.samples.parts.filter((p) => p !== COLUMNAR.samples);
  m.samples.parts = [COLUMNAR.samples];
  writeJsonAtomic(path.join(outDir, COLUMNAR.manifest), m);
  for (const p of old) fs.rmSync(path.join(outDir, p), { force: true });
  fs.rmSync(path.join(outDir, COLUMNAR.parts), { recursive: true, force: true });
}

/** A run's identity columns, the same in every table. */
const identity = (r: RunRecord) => ({
  run: r.run,
  workload: r.workload ?? '',
  env: r.env,
  instances: r.instances,
  repetition: r.repetition,
});

export function runRows(runs: readonly RunRecord[]): RunRow[] {
  return runs.map((r) => {
    const names = new Set(r.workers.flatMap((w) => Object.keys(w.metrics ?? {})));
    const metrics = [...names].flatMap((n) => {
      const v = workerMean(r, n);
      return v === null ? [] : [[n, v] as const];
    });
    return {
      ...identity(r),
      warmup: r.warmup,
      status: r.status,
      reason: r.reason,
      workKey: r.workKey,
      checksum: r.checksum,
      barrierAt: r.barrierAt,
      provisionS: r.provisionS,
      makespanS: r.makespanS,
      workerSource: workerSourceOf(r) ?? null,
      metrics: Object.fromEntries(metrics),
      network: r.network ?? 'none',
    };
  });
}

export function workerRows(runs: readonly RunRecord[]): WorkerRow[] {
  return runs.flatMap((r) =>
    r.workers.map(({ cpuset: _c, limits: _l, stderrTail: _s, ...w }) => ({
      ...identity(r),
      ...w,
      metrics: w.metrics ?? {},
      phasesMs: w.phasesMs ?? {},
    })),
  );
}

async function writeTable(duck: Duck, rows: readonly object[], types: Record<string, string>, target: string) {
  const tmpJson = `${target}.ndjson.tmp`;
  fs.writeFileSync(tmpJson, rows.map((r) => JSON.stringify(r)).join('\n'));
  try {
    const source = rows.length
      ? `read_json(${lit(tmpJson)}, format = 'newline_delimited', columns = ${jsonColumns(types)})`
      : `(SELECT ${Object.entries(types)
          .map(([k, t]) => `CAST(NULL AS ${t}) AS "${k}"`)
          .join(', ')} WHERE false)`;
    await duck.run(`COPY (SELECT * FROM ${source}) TO ${lit(`${target}.tmp`)} ${PARQUET}`);
    fs.renameSync(`${target}.tmp`, target);
  } finally {
    fs.rmSync(tmpJson, { force: true });
  }
}

async function compactRuns(duck: Duck, resultsDir: string, outDir: string, m: ColumnarManifest): Promise<void> {
  const file = path.join(resultsDir, FILES.runs);
  const end = wholeLinesEnd(file);
  if (end === m.runsBytes && fs.existsSync(path.join(outDir, COLUMNAR.runs))) return;
  // an append-only log that shrank was cut or replaced: its Parquet copy is kept, not emptied
  if (end < m.runsBytes && fs.existsSync(path.join(outDir, COLUMNAR.runs)))
    throw new UsageError(
      `${file}: ${end} bytes of whole lines, fewer than the ${m.runsBytes} already in ${COLUMNAR.runs} (cut or replaced?); ${COLUMNAR.runs} and ${COLUMNAR.workers} are left as they are`,
    );
  const runs = readNdjson<RunRecord>(file);
  await writeTable(duck, runRows(runs), RUN_TYPES, path.join(outDir, COLUMNAR.runs));
  await writeTable(duck, workerRows(runs), WORKER_TYPES, path.join(outDir, COLUMNAR.workers));
  m.runsBytes = end;
}

export interface CompactOptions {
  /** where the Parquet files go (default: the results directory itself) */
  outDir?: string;
  /** merge the parts into one samples.parquet (the end of an experiment) */
  merge?: boolean;
}

/**
 * Brings the Parquet files up to date with the NDJSON logs. Call it holding the
 * directory's lock (`withColumnarLock`); `duck` is any open engine.
 */
export async function compact(duck: Duck, resultsDir: string, opts: CompactOptions = {}): Promise<ColumnarManifest> {
  const outDir = opts.outDir ?? resultsDir;
  const m: ColumnarManifest = readManifest(outDir) ?? {
    format: COLUMNAR_FORMAT,
    samples: { bytes: 0, columns: null, parts: [] },
    runsBytes: -1,
  };
  await compactTail(duck, resultsDir, outDir, m);
  await compactRuns(duck, resultsDir, outDir, m);
  writeJsonAtomic(path.join(outDir, COLUMNAR.manifest), m);
  if (opts.merge) await mergeParts(duck, outDir, m);
  return m;
}

export const columnarLock = (outDir: string) => path.join(outDir, 'columnar.lock');
