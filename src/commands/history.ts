import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { parseThreshold } from '../compare/compare.js';
import { formatsOf, textExporter } from '../export/index.js';
import { DEFAULT_CHANGE_OPTIONS } from '../history/changepoints.js';
import { checkHistory } from '../history/check.js';
import { entryOf, seriesOf } from '../history/entry.js';
import { historyPage } from '../history/report.js';
import { appendEntry, readHistory, skippedText } from '../history/store.js';
import { renderHtml } from '../report/html.js';
import { UsageError } from '../util/errors.js';
import { describeCommand } from './descriptions.js';
import { EXIT } from './interrupts.js';
import { defaultReportDir } from './report.js';

const DEFAULT_HISTORY = 'history';

function number(flag: string, min: number, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max)
      throw new UsageError(`${flag}: expected a number from ${min} to ${max}, got ${JSON.stringify(v)}`);
    return n;
  };
}

interface CheckFlags {
  history: string;
  metric?: string;
  threshold: string;
  alpha: number;
  minPoints: number;
  format: string;
}

function checkOf(flags: CheckFlags) {
  const { entries, skipped } = readHistory(flags.history);
  for (const line of skippedText(flags.history, skipped)) process.stderr.write(`versus: ${line}\n`);
  const series = seriesOf(entries);
  const metrics = flags.metric ? flags.metric.split(',').map((s) => s.trim()) : null;
  if (metrics) {
    const known = new Set(series.map((s) => s.metric));
    const unknown = metrics.filter((m) => !known.has(m));
    if (unknown.length)
      throw new UsageError(
        `--metric: ${unknown.join(', ')} not in the history (metrics: ${[...known].sort().join(', ')})`,
      );
  }
  const check = checkHistory(series, {
    threshold: parseThreshold(flags.threshold),
    metrics,
    options: { alpha: flags.alpha, minSize: flags.minPoints },
  });
  return { entries, series: series.filter((s) => !metrics || metrics.includes(s.metric)), check };
}

export function historyCommand(program: Command): void {
  const history = program.command('history').description(describeCommand('history'));
  const withCheckOptions = (cmd: Command) =>
    cmd
      .option('--history <dir>', 'the history folder', DEFAULT_HISTORY)
      .option('--metric <list>', 'only these metrics (e.g. makespan,overhead,edgesPerSecond)')
      .option('--threshold <pct>', 'smallest change that counts as a regression', '5%')
      .option('--alpha <p>', 'false-alarm level per series', number('--alpha', 1e-9, 0.5), DEFAULT_CHANGE_OPTIONS.alpha)
      .option(
        '--min-points <n>',
        'fewest result sets on either side of a change',
        number('--min-points', 2, 1000),
        DEFAULT_CHANGE_OPTIONS.minSize,
      );

  history
    .command('add')
    .description('append a result set’s per-cell summaries (every metric, every overhead ratio) to the history')
    .argument('<results-dir>', 'results directory')
    .option('--label <label>', 'what these results are of, e.g. a commit (default: the results folder name)')
    .option('--history <dir>', 'the history folder', DEFAULT_HISTORY)
    .action(async (dir: string, flags: { label?: string; history: string }) => {
      const { statsOfResults, withResults } = await import('../results/read.js');
      const report = path.join(defaultReportDir(dir), 'index.html');
      const entry = await withResults(dir, async (rs) => {
        if (rs.incomplete)
          process.stderr.write(`versus: ${dir} is ${rs.meta.status ?? 'incomplete'}; adding what it holds\n`);
        return entryOf(rs, await statsOfResults(rs), {
          label: flags.label ?? path.basename(path.resolve(dir)),
          resultsDir: path.resolve(dir),
          report: fs.existsSync(report) ? path.resolve(report) : null,
          addedAt: new Date().toISOString(),
        });
      });
      if (entry.cells.length === 0) throw new UsageError(`${dir}: no successful measured run to add`);
      const { already, tornTailKeptIn, skipped } = await appendEntry(flags.history, entry);
      for (const line of skippedText(flags.history, skipped)) process.stderr.write(`versus: ${line}\n`);
      if (tornTailKeptIn)
        process.stderr.write(
          `versus: ${flags.history}/history.ndjson ended in a torn line (a crash mid-write?): moved to ${tornTailKeptIn}, the new entry starts on a line of its own\n`,
        );
      if (already)
        process.stderr.write(
          `versus: ${dir} is already in ${flags.history} (added ${already.addedAt} as ${already.label}); not added again\n`,
        );
      else
        process.stderr.write(
          `versus: added ${entry.cells.length} cell summaries as ${entry.label} to ${flags.history}\n`,
        );
    });

  withCheckOptions(history.command('check'))
    .description(
      'change points per series (E-divisive means); exit 1 when a series’ latest one is a regression past the threshold',
    )
    .option('--format <fmt>', formatsOf('history-check').join(', '), 'text')
    .action((flags: CheckFlags) => {
      const exporter = textExporter('history-check', flags.format);
      const { check } = checkOf(flags);
      process.stdout.write(`${exporter.render({ kind: 'history-check', check })}\n`);
      process.exitCode = check.regressed ? EXIT.failed : EXIT.ok;
    });

  withCheckOptions(history.command('report'))
    .description(
      'one offline HTML page: a trend chart per series, change points marked, points linking to their reports',
    )
    .option('--out <dir>', 'where the page goes (default: <history>/report)')
    .action((flags: CheckFlags & { out?: string }) => {
      const { series, check } = checkOf(flags);
      const out = flags.out ?? path.join(flags.history, 'report');
      fs.mkdirSync(out, { recursive: true });
      const file = path.join(out, 'index.html');
      fs.writeFileSync(
        file,
        renderHtml(historyPage(series, check, path.resolve(out), `versus history — ${path.resolve(flags.history)}`)),
      );
      process.stdout.write(`${file}\n`);
    });
}
