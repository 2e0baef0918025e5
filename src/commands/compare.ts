import type { Command } from 'commander';
import { COMPARE_METRICS, compareResults, formatMarkdown, formatText, parseThreshold } from '../compare/compare.js';
import { UsageError } from '../config/errors.js';
import { loadResults } from '../report/load.js';
import { cellMetrics } from '../results/metrics.js';

export function compareCommand(program: Command): void {
  program
    .command('compare')
    .description('compare two result sets: change per metric with a 95% interval and a verdict; exit 1 on a regression')
    .argument('<baseline>', 'results directory of the baseline')
    .argument('<candidate>', 'results directory of the candidate')
    .option(
      '--metric <list>',
      `metrics to compare and gate on: ${COMPARE_METRICS.join(', ')}, or all`,
      'makespan,overhead',
    )
    .option('--threshold <pct>', 'smallest change that counts as a regression', '5%')
    .option('--format <fmt>', 'text, md or json', 'text')
    .action((baseDir: string, candDir: string, opts: { metric: string; threshold: string; format: string }) => {
      if (!['text', 'md', 'json'].includes(opts.format))
        throw new UsageError(`--format: expected text, md or json, got ${JSON.stringify(opts.format)}`);
      const threshold = parseThreshold(opts.threshold);
      const metrics = opts.metric === 'all' ? COMPARE_METRICS : opts.metric.split(',').map((s) => s.trim());
      const base = loadResults(baseDir);
      const cand = loadResults(candDir);
      const kb = base.meta.workload?.workKey;
      const kc = cand.meta.workload?.workKey;
      if (kb && kc && kb !== kc)
        throw new UsageError(`${baseDir} and ${candDir} ran different work and cannot be compared:\n  ${kb}\n  ${kc}`);
      const c = compareResults(
        cellMetrics(base.runs, base.samples),
        cellMetrics(cand.runs, cand.samples),
        metrics,
        threshold,
        base.meta.views,
      );
      const out =
        opts.format === 'json' ? JSON.stringify(c, null, 2) : opts.format === 'md' ? formatMarkdown(c) : formatText(c);
      process.stdout.write(`${out}\n`);
      process.exitCode = c.regressed ? 1 : 0;
    });
}
