import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { formatsOf, textExporter } from '../export/index.js';
import { COLUMNAR } from '../results/columnar/compact.js';
import { duckMessage, openDuck } from '../results/columnar/duck.js';
import { plainRows } from '../results/columnar/format.js';
import { compactResults, openColumnar } from '../results/columnar/open.js';
import { UsageError } from '../util/errors.js';

const log = (m: string) => process.stderr.write(`${m}\n`);

export function queryCommand(program: Command): void {
  program
    .command('query')
    .description('run SQL over a results directory: tables samples, runs, workers and experiment (DuckDB over Parquet)')
    .argument('<results-dir>', 'a directory written by versus run')
    .argument('<sql>', 'e.g. "SELECT env, avg(user + system) FROM samples GROUP BY env"')
    .option('--format <fmt>', formatsOf('query').join(', '), 'table')
    .action(async (dir: string, sql: string, opts: { format: string }) => {
      const exporter = textExporter('query', opts.format);
      const c = await openColumnar(dir, { log });
      try {
        let reader: Awaited<ReturnType<typeof c.duck.read>>;
        try {
          reader = await c.duck.read(sql);
        } catch (err) {
          throw new UsageError(`query: ${duckMessage(err)}`);
        }
        const doc = {
          kind: 'query' as const,
          columns: reader.deduplicatedColumnNames(),
          rows: plainRows(reader.getRowsJS()),
        };
        process.stdout.write(`${exporter.render(doc)}\n`);
      } finally {
        c.close();
      }
    });

  program
    .command('compact')
    .description('write (or bring up to date) the Parquet files of a results directory: samples, runs, workers')
    .argument('<results-dir>', 'a directory written by versus run (an interrupted one too)')
    .action(async (dir: string) => {
      if (!fs.existsSync(path.join(dir, 'experiment.json')))
        throw new UsageError(`${dir}: not a versus results directory (no experiment.json)`);
      const duck = await openDuck();
      try {
        const m = await compactResults(duck, dir, { merge: true, log });
        const size = (f: string) => (fs.existsSync(path.join(dir, f)) ? fs.statSync(path.join(dir, f)).size : 0);
        const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
        log(
          `compact: ${COLUMNAR.samples} ${mib(size(COLUMNAR.samples))} (from ${mib(m.samples.bytes)} of NDJSON), ${COLUMNAR.runs}, ${COLUMNAR.workers}`,
        );
        process.stdout.write(`${path.join(dir, COLUMNAR.samples)}\n`);
      } catch (err) {
        if (err instanceof UsageError) throw err;
        throw new UsageError(`${dir}: ${duckMessage(err)}`);
      } finally {
        duck.close();
      }
    });
}
