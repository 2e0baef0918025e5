import path from 'node:path';
import type { Command } from 'commander';
import {
  alignLegacyWorkloads,
  COMPARE_METRICS,
  compareResults,
  knownMetrics,
  parseThreshold,
} from '../compare/compare.js';
import { formatsOf, textExporter } from '../export/index.js';
import { cellMetrics, metricDefs } from '../results/metrics.js';
import { UsageError } from '../util/errors.js';
import { describeCommand } from './descriptions.js';
import { EXIT } from './interrupts.js';

export function compareCommand(program: Command): void {
  program
    .command('compare')
    .description(describeCommand('compare'))
    .argument('<baseline>', 'results directory of the baseline')
    .argument('<candidate>', 'results directory of the candidate')
    .option(
      '--metric <list>',
      `metrics to compare and gate on: ${COMPARE_METRICS.join(', ')}, a workload's own metric by name, or all`,
      'makespan,headline,overhead',
    )
    .option('--threshold <pct>', 'smallest change that counts as a regression', '5%')
    .option(
      '--false-positive <pct>',
      'how often a comparison with no change at all may be called regressed, over all its rows (each row gated at 1 − 2·pct/rows)',
      '1%',
    )
    .option('--format <fmt>', formatsOf('compare').join(', '), 'text')
    .option(
      '--normalize <what>',
      "canary: scale each run's times (and rates) by its drift canary against the median of both sides, for results measured at different times",
    )
    .action(
      async (
        baseDir: string,
        candDir: string,
        opts: { metric: string; threshold: string; falsePositive: string; format: string; normalize?: string },
      ) => {
        const exporter = textExporter('compare', opts.format);
        if (opts.normalize !== undefined && opts.normalize !== 'canary')
          throw new UsageError(`--normalize: expected canary, got ${JSON.stringify(opts.normalize)}`);
        const { statsOfResults, withResults, workloadsOf } = await import('../results/read.js');
        const threshold = parseThreshold(opts.threshold);
        const falsePositive = parseThreshold(opts.falsePositive, '--false-positive');
        if (!(falsePositive > 0) || falsePositive >= 0.5)
          throw new UsageError(`--false-positive: expected more than 0% and under 50%, got ${opts.falsePositive}`);
        if (path.resolve(baseDir) === path.resolve(candDir))
          process.stderr.write(
            `versus: compare: ${baseDir} is both the baseline and the candidate: no change can show\n`,
          );
        const [base, baseStats] = await withResults(baseDir, async (rs) => [rs, await statsOfResults(rs)] as const);
        const [cand, candStats] = await withResults(candDir, async (rs) => [rs, await statsOfResults(rs)] as const);
        const defs = metricDefs(workloadsOf(base.meta));
        const metrics = opts.metric === 'all' ? knownMetrics(defs) : opts.metric.split(',').map((s) => s.trim());
        // the same workload id must have done the same work on both sides
        const candKeys = new Map(workloadsOf(cand.meta).map((w) => [w.id, w.workKey]));
        for (const w of workloadsOf(base.meta)) {
          const kc = candKeys.get(w.id);
          if (kc && kc !== w.workKey)
            throw new UsageError(
              `${baseDir} and ${candDir} ran different work for ${w.id} and cannot be compared:\n  ${w.workKey}\n  ${kc}`,
            );
        }
        const candDefs = metricDefs(workloadsOf(cand.meta));
        let [baseRuns, candRuns] = [base.runs, cand.runs];
        if (opts.normalize === 'canary') {
          const { canaryReference, normalizeByCanary } = await import('../compare/normalize.js');
          const ref = canaryReference([
            { name: baseDir, runs: baseRuns },
            { name: candDir, runs: candRuns },
          ]);
          [baseRuns, candRuns] = [normalizeByCanary(baseRuns, ref, defs), normalizeByCanary(candRuns, ref, candDefs)];
        }
        const [baseCells, candCells] = alignLegacyWorkloads(
          cellMetrics(baseRuns, baseStats, defs),
          cellMetrics(candRuns, candStats, candDefs),
        );
        const c = compareResults(baseCells, candCells, metrics, threshold, base.meta.views, defs, falsePositive);
        process.stdout.write(`${exporter.render({ kind: 'compare', comparison: c })}\n`);
        process.exitCode = c.regressed ? EXIT.failed : EXIT.ok;
      },
    );
}
