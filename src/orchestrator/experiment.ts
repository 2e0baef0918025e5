// A whole experiment: opened by the lifecycle (lifecycle.ts), host fitness and
// experiment.json written, the runs (results on disk as they come), everything closed
// whatever happened, then the summary and the final experiment.json.
import os from 'node:os';
import path from 'node:path';
import type { Experiment } from '../config/schema.js';
import type { FitnessCheck } from '../hosts/fitness.js';
import { formatFitness, hostFitness } from '../hosts/fitnessRun.js';
import { canaryDrift, canaryText } from '../results/canary.js';
import { machineWarning } from '../results/machines.js';
import { cellMetrics, metricDefs, overheadRatios } from '../results/metrics.js';
import type { StatsByRun } from '../results/sampleStats.js';
import { FILES, NdjsonWriter, SamplesWriter } from '../results/store.js';
import { formatRatioLines, formatSummaryTable, summarize } from '../results/summary.js';
import type { RunRecord } from '../results/types.js';
import type { EnvironmentView } from '../results/views.js';
import { writeJsonAtomic } from '../util/files.js';
import { workloadMeta } from '../workload/resolve.js';
import { runCompactor } from './columnar.js';
import { type LifecycleOptions, mergeInfoUpdates, openExperiment } from './lifecycle.js';
import { RunLoop } from './loop.js';
import { workerCpusOf } from './plan.js';

export interface ExperimentOutcome {
  dir: string;
  runs: RunRecord[];
  interrupted: boolean;
}

export type ExperimentOptions = LifecycleOptions;

/** Runs a whole experiment: the matrix, results on disk as it goes, summary at the end. */
export async function runExperiment(e: Experiment, opts: ExperimentOptions): Promise<ExperimentOutcome> {
  const { log, signal } = opts;
  const x = await openExperiment(e, opts);
  const { dir, experimentId, views } = x;
  const formulas = new Map<string, string>();
  let fitness: FitnessCheck[] = [];
  const writeMeta = (status: Record<string, unknown>) =>
    writeJsonAtomic(path.join(dir, FILES.experiment), {
      ...x.meta,
      hostFitness: fitness,
      formulas: Object.fromEntries(formulas),
      ...status,
    });
  let loop: RunLoop;
  let compactor: ReturnType<typeof runCompactor>;
  try {
    fitness = await hostFitness(e, workerCpusOf(e, os.availableParallelism()));
    for (const line of fitnessWarnings(fitness)) log(line);
    writeMeta({ status: 'running' });
    log(`results: ${dir}`);
    const runsOut = new NdjsonWriter(path.join(dir, FILES.runs));
    const samplesOut = new SamplesWriter(path.join(dir, FILES.samples));
    x.defer(() => runsOut.close());
    x.defer(() => samplesOut.close());
    compactor = runCompactor(dir, log);
    loop = new RunLoop({
      experiment: e,
      workloads: x.prepared.workloads,
      environments: x.environments,
      hostSide: x.hostSide,
      dir,
      experimentId,
      signal,
      log,
      formulas,
      onSamples: (rows) => samplesOut.write(rows),
      afterRun: async (rec) => {
        runsOut.write([rec]);
        const known = formulas.size;
        await compactor.afterRun();
        if (formulas.size > known) writeMeta({ status: 'running' });
      },
    });
    await loop.runAll();
  } catch (err) {
    writeMeta({ status: 'failed', reason: (err as Error).message, finishedAt: new Date().toISOString() });
    throw err;
  } finally {
    await x.close();
  }

  const stats = await compactor.finish(loop.runs);
  const table = writeSummary(dir, e, loop, stats, x.prepared.workloads.map(workloadMeta), views);
  mergeInfoUpdates(x.info, x.environments);
  writeMeta({ status: signal.aborted ? 'interrupted' : 'complete', finishedAt: new Date().toISOString() });
  log(`\n${table}\n`);
  return { dir, runs: loop.runs, interrupted: signal.aborted };
}

/** The warnings of host fitness, said before the runs (experiment.json keeps every check). */
function fitnessWarnings(checks: readonly FitnessCheck[]): string[] {
  const warn = checks.filter((c) => c.verdict === 'warn');
  if (!warn.length) return [];
  return [
    `host fitness: ${warn.length} warning(s) (versus doctor shows every check):`,
    ...formatFitness(warn).map((l) => `  ${l}`),
  ];
}

/** summary.json; returns the summary table for the log. */
function writeSummary(
  dir: string,
  e: Experiment,
  loop: RunLoop,
  stats: StatsByRun,
  workloads: Parameters<typeof metricDefs>[0],
  views: Record<string, EnvironmentView>,
): string {
  const runs = loop.runs;
  const defs = metricDefs(workloads);
  const metrics = cellMetrics(runs, stats, defs);
  const ratios = overheadRatios(metrics, 'makespan', views);
  const drift = canaryDrift(runs);
  const machines = machineWarning(runs);
  writeJsonAtomic(path.join(dir, FILES.summary), {
    runs: runs.length,
    ok: runs.filter((r) => r.status === 'ok').length,
    cells: metrics.map(({ values: _values, blocks: _blocks, ...rest }) => rest),
    overheadRatios: ratios,
    canary: drift,
    metrics: defs,
    ...(e.adaptive ? { adaptive: { ...e.adaptive, cells: loop.precision() } } : {}),
  });
  const lines = formatRatioLines(ratios);
  return [
    formatSummaryTable(summarize(runs, stats, defs), defs),
    ...(lines ? [`\noverhead (makespan ratio):\n${lines}`] : []),
    ...(drift ? [`\n${canaryText(drift)}`] : []),
    ...(machines ? [`\nwarning: ${machines}`] : []),
  ].join('\n');
}
