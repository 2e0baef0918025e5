// Opening a results directory for SQL: bring its Parquet files up to date (in
// place, or in a temporary directory when the results are read-only), then an
// engine with the tables `samples`, `runs`, `workers` and `experiment`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../../util/errors.js';
import { withLock } from '../../util/lock.js';
import { FILES } from '../store.js';
import { COLUMNAR, type ColumnarManifest, columnarLock, compact, isCurrent, readManifest } from './compact.js';
import { type Duck, duckMessage, lit, litList, openDuck } from './duck.js';
import { sampleSelect } from './schema.js';

export interface Columnar {
  duck: Duck;
  /** where the Parquet files are: the results directory, or a temporary copy's */
  dir: string;
  manifest: ColumnarManifest;
  close(): void;
}

const writable = (dir: string) => {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
};

/** Compacts what the NDJSON logs hold beyond the Parquet files (merging the parts into one) under the directory's lock. */
export async function compactResults(
  duck: Duck,
  resultsDir: string,
  opts: { outDir?: string; merge?: boolean; log?: (m: string) => void } = {},
): Promise<ColumnarManifest> {
  const outDir = opts.outDir ?? resultsDir;
  return withLock(columnarLock(outDir), async () => {
    const before = readManifest(outDir);
    if (isCurrent(resultsDir, before) && (!opts.merge || before.samples.parts.length <= 1)) return before;
    const size = fs.existsSync(path.join(resultsDir, FILES.samples))
      ? fs.statSync(path.join(resultsDir, FILES.samples)).size
      : 0;
    const fresh = size - (before?.samples.bytes ?? 0);
    if (fresh > 16 << 20)
      opts.log?.(`compacting ${(fresh / 2 ** 20).toFixed(0)} MiB of ${FILES.samples} into Parquet…`);
    return compact(duck, resultsDir, { outDir, merge: opts.merge });
  });
}

async function createViews(duck: Duck, resultsDir: string, dir: string, m: ColumnarManifest): Promise<void> {
  const parts = m.samples.parts.map((p) => path.join(dir, p));
  await duck.run(
    parts.length
      ? `CREATE OR REPLACE VIEW samples AS SELECT * FROM read_parquet(${litList(parts)})`
      : `CREATE OR REPLACE VIEW samples AS SELECT ${sampleSelect([])} FROM (SELECT 1) WHERE false`,
  );
  await duck.run(`CREATE OR REPLACE VIEW runs AS SELECT * FROM read_parquet(${lit(path.join(dir, COLUMNAR.runs))})`);
  await duck.run(
    `CREATE OR REPLACE VIEW workers AS SELECT * FROM read_parquet(${lit(path.join(dir, COLUMNAR.workers))})`,
  );
  // each worker's own view, one source per worker (the guest for a VM, the cgroup for a
  // container, the process for native), as the report's figures take it: averaging samples
  // over every source mixes two views of one worker
  await duck.run(
    'CREATE OR REPLACE VIEW worker_view AS SELECT s.* FROM samples s JOIN runs r USING (run) WHERE s.source = r.workerSource',
  );
  await duck.run(
    `CREATE OR REPLACE VIEW experiment AS SELECT * FROM read_json(${lit(path.join(resultsDir, FILES.experiment))}, format = 'auto')`,
  );
}

/** An engine over one results directory; close() releases it (and the temporary copy, if one was made). */
export async function openColumnar(resultsDir: string, opts: { log?: (m: string) => void } = {}): Promise<Columnar> {
  if (!fs.existsSync(path.join(resultsDir, FILES.experiment)))
    throw new UsageError(`${resultsDir}: not a versus results directory (no ${FILES.experiment})`);
  const duck = await openDuck();
  let tmp: string | null = null;
  try {
    let dir = resultsDir;
    let m = readManifest(resultsDir);
    if (!isCurrent(resultsDir, m) || m.samples.parts.length > 1) {
      if (!writable(resultsDir)) {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'versus-columnar-'));
        dir = tmp; // read-only results: compacted whole into a directory of our own, removed on close
      }
      m = await compactResults(duck, resultsDir, { outDir: dir, merge: true, log: opts.log });
    }
    await createViews(duck, resultsDir, dir, m!);
    const t = tmp;
    return {
      duck,
      dir,
      manifest: m!,
      close: () => {
        duck.close();
        if (t) fs.rmSync(t, { recursive: true, force: true });
      },
    };
  } catch (err) {
    duck.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    if (err instanceof UsageError) throw err;
    throw new UsageError(`${resultsDir}: ${duckMessage(err)}`);
  }
}
