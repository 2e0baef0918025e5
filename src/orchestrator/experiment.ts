import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import si from 'systeminformation';
import type { Experiment } from '../config/schema.js';
import type { EnvironmentDescriptor } from '../environments/descriptor.js';
import type { Environment } from '../environments/types.js';
import { ensureImage } from '../image/build.js';
import { cellMetrics, metricDefs, overheadRatios } from '../results/metrics.js';
import { createResultDir, FILES, NdjsonWriter, SamplesWriter } from '../results/store.js';
import { formatSummaryTable, summarize } from '../results/summary.js';
import type { RunRecord } from '../results/types.js';
import { writeJsonAtomic } from '../util/files.js';
import { workloadBundle } from '../workload/bundle.js';
import { checkPackages, resolveEntries, workloadMeta } from '../workload/resolve.js';
import { runCompactor } from './columnar.js';
import { createEnvironment, openHosts } from './hosts.js';
import { findLeftovers } from './leftovers.js';
import { adaptiveRound, cellPrecision, type PlannedRun, planRuns } from './plan.js';
import { estimateRemainingS, formatDuration } from './progress.js';
import { executeRun } from './runRun.js';

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

async function hostInventory(): Promise<Record<string, unknown>> {
  const [cpu, osInfo, mem] = await Promise.all([si.cpu(), si.osInfo(), si.mem()]);
  return {
    hostname: os.hostname(),
    cpu: {
      brand: `${cpu.manufacturer} ${cpu.brand}`,
      cores: cpu.cores,
      physicalCores: cpu.physicalCores,
      speedGHz: cpu.speed,
    },
    os: { distro: osInfo.distro, release: osInfo.release, kernel: osInfo.kernel, arch: osInfo.arch },
    memoryBytes: mem.total,
    node: process.version,
  };
}

/** Runs a whole experiment: the matrix, results on disk as it goes, summary at the end. */
export async function runExperiment(e: Experiment, opts: ExperimentOptions): Promise<ExperimentOutcome> {
  const { log, signal } = opts;
  const workloads = resolveEntries(e);
  const bundle = workloadBundle(workloads.map((w) => w.dir));
  const descriptors = e.environments.map((n) => opts.descriptors.find((d) => d.name === n)!);
  const views = Object.fromEntries(descriptors.map((d) => [d.name, d.view]));
  const needsImage = descriptors.some((d) => d.needsImage(e));
  if (needsImage) checkPackages(workloads);
  const image = needsImage ? await ensureImage({ progress: (m) => log(`image: ${m}`), signal }) : null;
  const leftovers = await findLeftovers({ experiment: e, image, log }, opts.descriptors);
  if (leftovers.length) {
    log(
      `warning: ${leftovers.length} leftover(s) of earlier runs (a killed harness?): ${leftovers.slice(0, 5).join(', ')}${leftovers.length > 5 ? ', …' : ''}; run \`versus clean\` to remove them`,
    );
  }
  const environments = new Map<string, Environment>();
  const envInfo: Record<string, unknown> = {};
  const hosts = await openHosts(e, log);
  try {
    for (const d of descriptors) {
      const name = d.name;
      const env = await createEnvironment(d, { experiment: e, image, log, workloads: bundle }, hosts);
      environments.set(name, env);
      await env.prepare();
      envInfo[name] = await env.describe();
    }
  } catch (err) {
    // a backend may have started a daemon before another one failed
    for (const env of environments.values()) await env.close?.().catch(() => {});
    for (const h of hosts) h.close();
    throw err;
  }

  const dir = createResultDir(e.output.dir, e.name);
  const experimentId = crypto.randomBytes(3).toString('hex');
  const started = new Date();
  const metaBase = {
    tool: {
      name: 'versus',
      version: JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version,
    },
    experiment: e,
    suite: e.suite,
    // what every workload computed and reports: reports and compare take metric names and units from here
    workloads: workloads.map(workloadMeta),
    host: await hostInventory(),
    // remote hosts: address, CPUs, kernel, clock offset against this machine (samples keep this machine's clock)
    ...(hosts.length ? { hosts: Object.fromEntries(hosts.map((h) => [h.name, h.facts()])) } : {}),
    image: image
      ? {
          hash: image.hash,
          dockerTag: image.dockerTag,
          node: image.nodeVersion,
          kernel: image.kernelVersion,
          buildSeconds: image.buildSeconds,
          createdAt: image.createdAt,
        }
      : null,
    environments: envInfo,
    // how results show each backend: reports and compare read these, not a list of their own
    views,
    formulas: {
      guest:
        '/proc/stat deltas: total = user+nice+system+idle+iowait+irq+softirq+steal; user% = (user+nice)/total; system% = (system+irq+softirq)/total',
      cgroup: 'docker stats: cores = cpuDelta/systemDelta*onlineCPUs; % of allocated --cpus',
      process:
        '/proc/<pid>/stat of the workload and every process it started (utime+stime+cutime+cstime) deltas / elapsed; % of allocated CPUs (a VM: its QEMU process alone)',
      host: '/proc/stat of the host; % of all host CPUs',
    },
    experimentId,
    startedAt: started.toISOString(),
  };
  writeJsonAtomic(path.join(dir, FILES.experiment), { ...metaBase, status: 'running' });
  log(`results: ${dir}`);

  const runsOut = new NdjsonWriter(path.join(dir, FILES.runs));
  const samplesOut = new SamplesWriter(path.join(dir, FILES.samples));
  const compactor = runCompactor(dir, log);
  const plan = planRuns(e);
  const byId = new Map(workloads.map((w) => [w.id, w]));
  const references = new Map<string, string>();
  const runs: RunRecord[] = [];
  const hostCpus = os.availableParallelism();
  const precision = () =>
    cellPrecision(
      e,
      runs
        .filter((r) => !r.warmup)
        .map((r) => ({
          workload: workloads.length > 1 ? (r.workload ?? null) : null,
          env: r.env,
          instances: r.instances,
          makespanS: r.makespanS,
          ok: r.status === 'ok',
        })),
    );
  let planned = plan.length;
  let queue: readonly PlannedRun[] = plan;
  const wallTimes: { env: string; seconds: number }[] = [];
  const execute = async (p: PlannedRun) => {
    const startedAt = Date.now();
    const env = environments.get(p.env)!;
    const prefix = `[${p.index + 1}/${planned}${e.adaptive ? '+' : ''}]`;
    const rec = await executeRun(
      {
        experiment: e,
        workload: byId.get(p.workload ?? '') ?? workloads[0]!,
        hostCpus,
        signal,
        references,
        artifactsDir: path.join(dir, 'artifacts'),
        experimentId,
        onSamples: (rows) => samplesOut.write(rows),
        onProgress: (m) => log(`${prefix} ${m}`),
      },
      env,
      p,
    );
    runsOut.write([rec]);
    runs.push(rec);
    await compactor.afterRun();
    const what = rec.status === 'ok' ? `ok, makespan ${rec.makespanS?.toFixed(3)} s` : `${rec.status}: ${rec.reason}`;
    wallTimes.push({ env: p.env, seconds: (Date.now() - startedAt) / 1000 });
    const left = queue.filter((q) => q.index > p.index);
    const eta = estimateRemainingS(wallTimes, left);
    const etaText = left.length && eta !== null ? ` — ${left.length} run(s) left, about ${formatDuration(eta)}` : '';
    log(`${prefix} ${rec.run}${rec.warmup ? ' (warm-up)' : ''}: ${what}${etaText}`);
  };
  try {
    for (const p of plan) {
      if (signal.aborted) break;
      await execute(p);
    }
    // adaptive repetitions: more rounds for the cells whose interval is still too wide
    for (let round = 1; e.adaptive && !signal.aborted; round++) {
      const cells = precision();
      const extra = adaptiveRound(e, cells, planned, round);
      if (extra.length === 0) break;
      const wide = cells.filter((c) =>
        extra.some((x) => x.workload === c.workload && x.env === c.env && x.instances === c.instances),
      );
      log(
        `adaptive: one more round for ${wide
          .map(
            (c) =>
              `${c.workload ? `${c.workload} ` : ''}${c.env} x${c.instances} (±${c.halfWidthPct === null ? '?' : c.halfWidthPct.toFixed(1)}% after ${c.ok})`,
          )
          .join(', ')}; target ±${e.adaptive.targetCiPct}%`,
      );
      planned += extra.length;
      queue = extra;
      for (const p of extra) {
        if (signal.aborted) break;
        await execute(p);
      }
    }
  } finally {
    runsOut.close();
    samplesOut.close();
    for (const env of environments.values()) {
      await env.cleanAll().catch(() => []);
      await env.close?.().catch(() => {});
    }
    for (const h of hosts) h.close();
  }

  const stats = await compactor.finish(runs);
  const defs = metricDefs(workloads.map(workloadMeta));
  const cells = summarize(runs, stats, defs);
  const metrics = cellMetrics(runs, stats, defs);
  writeJsonAtomic(path.join(dir, FILES.summary), {
    runs: runs.length,
    ok: runs.filter((r) => r.status === 'ok').length,
    cells: metrics.map(({ values: _values, ...rest }) => rest),
    overheadRatios: overheadRatios(metrics, 'makespan', views),
    metrics: defs,
    ...(e.adaptive ? { adaptive: { ...e.adaptive, cells: precision() } } : {}),
  });
  for (const [name, env] of environments) {
    const updates = env.infoUpdates?.();
    if (updates && Object.keys(updates).length) envInfo[name] = { ...(envInfo[name] as object), ...updates };
  }
  writeJsonAtomic(path.join(dir, FILES.experiment), {
    ...metaBase,
    status: signal.aborted ? 'interrupted' : 'complete',
    finishedAt: new Date().toISOString(),
  });
  log(`\n${formatSummaryTable(cells, defs)}\n`);
  return { dir, runs, interrupted: signal.aborted };
}
