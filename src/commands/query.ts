import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { formatsOf, textExporter } from '../export/index.js';
import type { TextExporter } from '../export/types.js';
import type { Duck } from '../results/columnar/duck.js';
import { plainRows } from '../results/columnar/format.js';
import { UsageError } from '../util/errors.js';
import { describeCommand } from './descriptions.js';

const log = (m: string) => process.stderr.write(`${m}\n`);

export function queryCommand(program: Command): void {
  program
    .command('query')
    .description(describeCommand('query'))
    .argument('<results-dir>', 'a directory written by versus run')
    .argument('<sql>', 'e.g. "SELECT env, avg(user + system) FROM samples GROUP BY env"')
    .option('--format <fmt>', formatsOf('query').join(', '), 'table')
    .action(async (dir: string, sql: string, opts: { format: string }) => {
      const exporter = textExporter('query', opts.format);
      const { openColumnar } = await import('../results/columnar/open.js');
      if (!sql.replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, '').replace(/[\s;]/g, ''))
        throw new UsageError('query: the SQL is empty; e.g. "SELECT count(*) FROM samples"');
      const c = await openColumnar(dir, { log });
      try {
        await streamQuery(c.duck, sql, exporter);
      } finally {
        c.close();
      }
    });

  program
    .command('compact')
    .description(describeCommand('compact'))
    .argument('<results-dir>', 'a directory written by versus run (an interrupted one too)')
    .action(async (dir: string) => {
      const [{ COLUMNAR }, { duckMessage, openDuck }, { compactResults }] = await Promise.all([
        import('../results/columnar/compact.js'),
        import('../results/columnar/duck.js'),
        import('../results/columnar/open.js'),
      ]);
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

/** One statement's rows to stdout a chunk at a time, in any format: memory stays bounded for any row count. */
async function streamQuery(duck: Duck, sql: string, exporter: TextExporter): Promise<void> {
  const { duckMessage } = await import('../results/columnar/duck.js');
  let result: Awaited<ReturnType<Duck['stream']>>;
  try {
    const n = await duck.statements(sql);
    if (n !== 1) throw new UsageError(`query: ${n} statements; give one (versus query runs a single statement)`);
    result = await duck.stream(sql);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`query: ${duckMessage(err).replace(/^Failed to extract statements: /, '')}`);
  }
  async function* chunks() {
    for await (const rows of result.yieldRowsJs()) yield plainRows(rows);
  }
  await exporter.stream!(result.deduplicatedColumnNames(), chunks(), stdoutSink);
}

/** stdout with backpressure: a write waits for 'drain' when the pipe is full. */
const stdoutSink = {
  write: (text: string) =>
    new Promise<void>((resolve, reject) => {
      if (process.stdout.write(text)) resolve();
      else process.stdout.once('drain', resolve).once('error', reject);
    }),
};
