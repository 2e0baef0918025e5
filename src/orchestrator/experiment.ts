// A whole experiment: prepared, every backend opened, experiment.json written, the runs
// (results on disk as they come), every backend closed whatever happened, then the
// summary and the final experiment.json.
import crypto from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { Experiment } from '../config/schema.js';
import type { EnvironmentDescriptor } from '../environments/descriptor.js';
import type { Environment } from '../environments/types.js';
import type { FitnessCheck } from '../hosts/fitness.js';
import { formatFitness, hostFitness } from '../hosts/fitnessRun.js';
import { canaryDrift, canaryText } from '../results/canary.js';
import { cellMetrics, metricDefs, overheadRatios } from '../results/metrics.js';
import type { StatsByRun } from '../results/sampleStats.js';
import { createResultDir, FILES, NdjsonWriter, SamplesWriter } from '../results/store.js';
import { formatRatioLines, formatSummaryTable, summarize } from '../results/summary.js';
import type { RunRecord } from '../results/types.js';
import type { EnvironmentView } from '../results/views.js';
import { writeJsonAtomic } from '../util/files.js';
import { markLive } from '../util/live.js';
import { workloadMeta } from '../workload/resolve.js';
import { runCompactor } from './columnar.js';
import { openHosts } from './hosts.js';
import { RunLoop } from './loop.js';
import { experimentMeta } from './meta.js';
import { workerCpusOf } from './plan.js';
import { closeEnvironments, openEnvironments, type Prepared, prepareExperiment } from './prepare.js';

export interface ExperimentOutcome {
  dir: string;
  runs: RunRecord[];
  interrupted: boolean;
}

export interface ExperimentOptions {
  log: (message: string) => void;
  signal: AbortSignal;
  /** every backend this build has (the composition's registry); the experiment's are picked by name */
  descriptors: readonly EnvironmentDescriptor[];
}

/** Runs a whole experiment: the matrix, results on disk as it goes, summary at the end. */
export async function runExperiment(e: Experiment, opts: ExperimentOptions): Promise<ExperimentOutcome> {
  const { log, signal } = opts;
  const prepared = await prepareExperiment(e, opts.descriptors, log, signal);
  const { hosts, environments, info, hostSide } = await openBackends(e, prepared, log);
  const views = Object.fromEntries(prepared.descriptors.map((d) => [d.name, d.view]));
  const dir = createResultDir(e.output.dir, e.name);
  const experimentId = crypto.randomBytes(3).toString('hex');
  // while this runs, versus clean elsewhere leaves its workers alone
  const unmarkLive = markLive(experimentId);
  const fitness = await hostFitness(e, workerCpusOf(e, os.availableParallelism()));
  for (const line of fitnessWarnings(fitness)) log(line);
  const meta = await experimentMeta({
    ...prepared,
    experiment: e,
    hosts,
    environments: info,
    views,
    experimentId,
    startedAt: new Date(),
  });
  const formulas = new Map<string, string>();
  const writeMeta = (status: Record<string, unknown>) =>
    writeJsonAtomic(path.join(dir, FILES.experiment), {
      ...meta,
      hostFitness: fitness,
      formulas: Object.fromEntries(formulas),
      ...status,
    });
  writeMeta({ status: 'running' });
  log(`results: ${dir}`);

  const runsOut = new NdjsonWriter(path.join(dir, FILES.runs));
  const samplesOut = new SamplesWriter(path.join(dir, FILES.samples));
  const compactor = runCompactor(dir, log);
  const loop = new RunLoop({
    experiment: e,
    workloads: prepared.workloads,
    environments,
    hostSide,
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
  try {
    await loop.runAll();
  } finally {
    runsOut.close();
    samplesOut.close();
    await closeEnvironments(environments, experimentId, hostSide);
    for (const h of hosts) h.close();
    unmarkLive();
  }

  const stats = await compactor.finish(loop.runs);
  const table = writeSummary(dir, e, loop, stats, prepared.workloads.map(workloadMeta), views);
  mergeInfoUpdates(info, environments);
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

/** The remote hosts, then every backend on them or here; on a failure the hosts are closed again. */
async function openBackends(e: Experiment, prepared: Prepared, log: (m: string) => void) {
  const hosts = await openHosts(e, log);
  try {
    return { hosts, ...(await openEnvironments(e, prepared, hosts, log)) };
  } catch (err) {
    for (const h of hosts) h.close();
    throw err;
  }
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
  ].join('\n');
}

/** Facts a backend learnt during the experiment (an accelerator fallback) join what it described at the start. */
function mergeInfoUpdates(info: Record<string, unknown>, environments: ReadonlyMap<string, Environment>): void {
  for (const [name, env] of environments) {
    const updates = env.infoUpdates?.();
    if (updates && Object.keys(updates).length) info[name] = { ...(info[name] as object), ...updates };
  }
}
