// The experiment's side of the columnar store: each run's samples become a Parquet
// part as soon as the run ends (between runs, never while one is measured), and at
// the end the parts are merged and summary statistics come from the engine. A
// failure here is reported and never fatal: the NDJSON logs remain the record, and
// `versus compact` (or `versus report`) finishes the job later.
import path from 'node:path';
import { type Duck, duckMessage, lit, openDuck } from '../results/columnar/duck.js';
import { compactResults, openColumnar } from '../results/columnar/open.js';
import { duckRunStats } from '../results/columnar/runStats.js';
import { SAMPLE_ORDER } from '../results/columnar/schema.js';
import { type StatsByRun, sourceStats, statsByRun } from '../results/sampleStats.js';
import { exportRunsCsv, exportSamplesCsvFromMemory, FILES, readSamples } from '../results/store.js';
import type { RunRecord } from '../results/types.js';

export interface RunCompactor {
  /** the samples written since the last call become one more part */
  afterRun(): Promise<void>;
  /** merge, write the CSV files, and the per-run statistics for summary.json */
  finish(runs: readonly RunRecord[]): Promise<StatsByRun>;
}

export function runCompactor(dir: string, log: (m: string) => void): RunCompactor {
  let duck: Duck | null = null;
  let broken = false;
  const warn = (what: string, err: unknown) => {
    broken = true;
    log(
      `columnar store: ${what} failed (${duckMessage(err)}); the NDJSON logs are intact — versus compact ${dir} retries`,
    );
  };
  return {
    async afterRun() {
      if (broken) return;
      try {
        duck ??= await openDuck();
        await compactResults(duck, dir);
      } catch (err) {
        warn('compacting the last run', err);
      }
    },
    async finish(runs) {
      duck?.close();
      duck = null;
      exportRunsCsv(dir, runs);
      try {
        const c = await openColumnar(dir);
        try {
          await c.duck.run(
            `COPY (SELECT * FROM samples ORDER BY ${SAMPLE_ORDER}) TO ${lit(path.join(dir, FILES.samplesCsv))} (HEADER)`,
          );
          return statsByRun(await duckRunStats(c.duck, runs));
        } finally {
          c.close();
        }
      } catch (err) {
        warn('compacting the experiment', err);
        const samples = readSamples(path.join(dir, FILES.samples));
        exportSamplesCsvFromMemory(dir, samples);
        return statsByRun(sourceStats(runs, samples));
      }
    },
  };
}
