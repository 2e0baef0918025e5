// One workload's part of a report: the paper's figures, the summary and memory
// tables, drill-downs. A report of one workload is this section alone.

import { METRICS, type MetricDef } from '../results/metrics.js';
import type { ExperimentMeta } from '../results/read.js';
import type { StatsByRun } from '../results/sampleStats.js';
import { formatValue, summarize } from '../results/summary.js';
import type { RunRecord } from '../results/types.js';
import type { Views } from '../results/views.js';
import { UNRECORDED_INTERVAL_MS } from '../sampling/types.js';
import { bootLatency, cellStats, drillDownRuns, envLabel, overheadRatios, workerSourceOf } from './aggregate.js';
import { clusterTable } from './cluster.js';
import { figureSources } from './crossCheck.js';
import { intervalCell } from './enough.js';
import type { Figure, Table } from './html.js';
import { memoryRows } from './memoryTable.js';
import { mdeCell, ratioPoints, ratiosTable } from './ratios.js';
import { roundedDrill, roundedGaps, roundedPoints, type SectionSamples } from './sampleSource.js';
import {
  bootSpec,
  cpuGridSpec,
  drillDownSpec,
  makespanSpec,
  memoryGridSpec,
  networkGridSpec,
  ratiosSpec,
} from './specs.js';
import { crossCheckTable, memoryTable, workloadMetricsTable } from './tables.js';

const fmt = (x: number | null | undefined, digits = 3) =>
  x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits);

export interface Section {
  tables: Table[];
  figures: Figure[];
  /** the ready-latency cells, for the set-up table */
  boot: ReturnType<typeof cellStats>;
  /** a container run too short for the stats cross-check */
  noCrossCheck: boolean;
}

/** The figures and tables of one workload's runs; ids get `prefix` so sections of a suite never collide. */
export function workloadSection(
  rs: { meta: ExperimentMeta; runs: readonly RunRecord[] },
  data: SectionSamples,
  stats: StatsByRun,
  defs: Record<string, MetricDef> = METRICS,
  prefix = '',
): Section {
  const { meta, runs } = rs;
  const intervalS = (meta.experiment?.sampling?.intervalMs ?? UNRECORDED_INTERVAL_MS) / 1000;
  const { binS, crossCheck } = data;
  const alloc = `${meta.experiment?.worker?.cpus ?? '?'} CPU, ${meta.experiment?.worker?.memoryMiB ?? '?'} MiB per worker`;
  const binNote =
    binS > intervalS
      ? ` Downsampled for the page, each panel to at most 300 bins of its own (up to ${binS.toFixed(2)} s; the band keeps every bin's min and max); full data in samples.csv.`
      : '';
  // labels, colours and worker sources as the results recorded them (older results: the registry's)
  const views = meta.views as Views | undefined;
  const label = (env: string) => envLabel(env, views);
  const sources = figureSources(runs, views);
  const figures: Figure[] = [];
  const workerGaps = roundedGaps(data.workerGaps);
  const cpuWorker = roundedPoints(data.cpuWorker);
  figures.push({
    id: `${prefix}fig6-worker`,
    title: 'Fig. 6 — CPU utilization over time, workers’ own view',
    caption: `Average over the workers of each run and over the measured runs of each cell (${alloc}); the band spans the runs' min..max. Sources: ${sources}. guest = /proc/stat inside the VM; cgroup = the container's cgroup files; docker-stats = the Docker stats API; process = /proc/<pid>/stat on the host. Containers and native have no iowait of their own: their Wait CPU is the host's. % of the CPUs allocated to the worker.${binNote}`,
    spec: cpuGridSpec(cpuWorker, {
      gaps: workerGaps,
      title: 'CPU utilization, workers’ own view',
      subtitle: ['% of allocated CPUs; User / System / Wait (+ Steal when present)'],
    }),
  });
  const cpuHost = roundedPoints(data.cpuHost);
  figures.push({
    id: `${prefix}fig6-host`,
    title: 'Fig. 6 (host view) — CPU utilization of the physical host over time',
    caption: `The host's /proc/stat during the same runs, % of all host CPUs: what the machine paid, including hypervisor and engine overhead.${binNote}`,
    spec: cpuGridSpec(cpuHost, {
      gaps: roundedGaps(data.hostGaps),
      title: 'CPU utilization, host view',
      subtitle: ['host /proc/stat, % of all host CPUs'],
    }),
  });
  if (data.cpuPerHost.length)
    figures.push({
      id: `${prefix}fig6-hosts`,
      title: 'Fig. 6 (per host) — CPU utilization of each worker host over time',
      caption: `Each remote host's own /proc/stat (streamed over SSH) during the same runs, % of that host's CPUs; the host view above is their average, as the paper's Fig. 6 averages over all worker hosts. Times are the harness's clock at arrival (experiment.json records each host's clock offset).${binNote}`,
      spec: cpuGridSpec(roundedPoints(data.cpuPerHost), {
        title: 'CPU utilization per host',
        subtitle: ['remote /proc/stat, % of the host’s CPUs'],
      }),
    });
  const makespan = cellStats(runs, (r) => r.makespanS, views);
  figures.push({
    id: `${prefix}fig5-makespan`,
    title: 'Fig. 5 — Execution time vs number of instances',
    caption:
      'Makespan: barrier to the last worker’s result. Bars: mean of the measured runs; whiskers: 95% interval of the mean (Student t on the log scale, which holds at 3 runs; docs/statistics.md); ✗ n: runs that failed (never counted as fast).',
    spec: makespanSpec(makespan, {
      title: 'Execution time',
      subtitle: ['mean and 95% interval per environment and density'],
    }),
  });
  const memory = roundedPoints(data.memory);
  figures.push({
    id: `${prefix}fig7-memory`,
    title: 'Fig. 7 — Memory over time',
    caption: `The workload processes' memory, the same quantity in every environment: PSS (own pages plus a fair share of shared ones) and USS (pages only they hold) from /proc/<pid>/smaps_rollup — read on the host for native and container processes, inside the guest for VMs. Results without it show each view's used memory instead (VMs: MemTotal − MemAvailable; containers: usage − inactive file; native: RSS), which are different quantities. What the host pays is in the memory table. Averaged like Fig. 6.${binNote}`,
    spec: memoryGridSpec(memory, {
      title: 'Memory',
      subtitle: ['GB, workload processes (PSS, USS)'],
      gaps: workerGaps,
    }),
  });
  const network = roundedPoints(data.network);
  if (network.length)
    figures.push({
      id: `${prefix}network`,
      title: 'Network over time',
      caption: `What each worker's own network namespace received and sent, MB/s (bytes per sampling interval over the interval, every interface but loopback: /proc/<pid>/net/dev of a native worker or container, the Docker stats frames' networks). Workers without a network of their own (none, host) have none; VMs' counters are their taps' on the host, on the QEMU process's samples, not in this view. Averaged over the workers of a run, then over runs, like Fig. 6.${binNote}`,
      spec: networkGridSpec(network, {
        title: 'Network',
        subtitle: ['MB/s per worker, received and sent'],
        gaps: workerGaps,
      }),
    });
  const boot = cellStats(runs, bootLatency, views);
  figures.push({
    id: `${prefix}fig3-boot`,
    title: 'Fig. 3 — Boot / ready latency vs number of instances',
    caption:
      'VMs: QEMU start to SSH ready (the slowest VM of the run). Containers and native: provisioning until every worker runtime printed ready. 95% intervals (log-t).',
    spec: bootSpec(boot, { title: 'Ready latency', subtitle: ['VM boot to SSH; container / process start to ready'] }),
  });
  const ratios = overheadRatios(runs, views);
  if (ratios.length) {
    figures.push({
      id: `${prefix}overhead-ratios`,
      title: 'Overhead ratios',
      caption:
        'Black: the ratio inside each repetition block (every environment ran back to back), their geometric mean with a 95% t interval over blocks: drift of the host cancels. Grey: the ratio of mean makespans over all runs, unpaired, 95% log-t interval. 1 = same speed.',
      spec: ratiosSpec(ratioPoints(ratios), {
        title: 'Makespan ratios',
        subtitle: ['paired by block (black) and unpaired (grey), 95% intervals'],
      }),
    });
  }
  for (const run of drillDownRuns(runs, views)) {
    const source = workerSourceOf(run, views);
    const rows = roundedDrill(data.drill[run.run] ?? []);
    const phases = run.phases
      .filter((p) => p.state === 'begin')
      .map((p) => ({ worker: p.worker, phase: p.phase, t: p.t }));
    figures.push({
      id: `${prefix}drill-${run.env}`,
      title: `Per worker — ${label(run.env)}, run ${run.run}`,
      caption: `Every worker of one run (${run.instances} instances), unaveraged, with the workload's phase starts (generate, load, build, iterate, result) as dashed lines. Source: ${source}.`,
      spec: drillDownSpec(rows, phases, {
        gaps: workerGaps.filter((g) => g.run === run.run),
        title: `${label(run.env)}: ${run.run}`,
        subtitle: ['per worker, % of allocated CPUs'],
      }),
    });
  }

  const cells = summarize(runs, stats, { w: defs });
  const ciOf = new Map(makespan.map((c) => [`${c.env}\0${c.instances}`, c]));
  const bootOf = new Map(boot.map((c) => [`${c.env}\0${c.instances}`, c]));
  const head = Object.values(defs).find((d) => d.headline) ?? null;
  const tables: Table[] = [
    {
      title: 'Summary',
      columns: [
        'environment',
        'instances',
        'ok',
        'failed',
        'makespan s (mean)',
        '95% CI',
        'median',
        'sd',
        'detectable change',
        ...(head ? [`${head.name} (${head.unit})`] : []),
        'CPU % of allocation',
        'ready s',
      ],
      rows: cells.map((c) => {
        const ci = ciOf.get(`${c.env}\0${c.instances}`);
        return [
          label(c.env),
          c.instances,
          c.ok,
          c.failed,
          fmt(c.makespanS?.mean),
          ci?.lo !== null && ci?.lo !== undefined && ci.hi !== null ? intervalCell(ci.lo, ci.hi, c.ok, fmt) : '–',
          fmt(c.makespanS?.median),
          fmt(c.makespanS?.stdev),
          mdeCell(c.makespanMde),
          ...(head ? [c.headline ? formatValue(c.headline.stat.mean) : '–'] : []),
          fmt(c.meanCpuPct, 1),
          fmt(bootOf.get(`${c.env}\0${c.instances}`)?.mean, 2),
        ];
      }),
    },
    ...(ratios.length ? [ratiosTable(ratios, (r) => runsOfPair(cells, r))] : []),
    ...workloadMetricsTable(runs, defs, label),
    memoryTable(memoryRows(runs, stats, views), label),
    ...(crossCheck.length ? [crossCheckTable(crossCheck, label)] : []),
    ...[clusterTable(runs, data.workerTotals, label)].filter((t): t is Table => t !== null),
  ];
  return {
    tables,
    figures,
    boot,
    noCrossCheck: !crossCheck.length && data.dockerStats,
  };
}

/** The fewer runs of a ratio's two cells (for the "too few" rule of its interval). */
function runsOfPair(
  cells: readonly { env: string; instances: number; ok: number }[],
  r: { instances: number },
): number {
  return Math.min(...cells.filter((c) => c.instances === r.instances).map((c) => c.ok));
}
