// What reports, summaries and compare need of the samples, behind one interface:
// the columnar engine answers it in SQL over Parquet (duckSamples.ts); this file's
// implementation answers it over sample objects in memory — the reference the
// columnar path is tested against, and the path for small in-memory result sets.
import type { RunRecord, SampleRecord } from '../results/types.js';
import type { Views } from '../results/views.js';
import type { DrillRow } from './aggregate.js';
import {
  cellBinWidths,
  cellKey,
  coarsestBin,
  cpuPick,
  drillDownRows,
  drillDownRuns,
  type GapSpan,
  memoryPick,
  networkPick,
  round3,
  type SeriesPoint,
  samplerGaps,
  timeSeries,
  workerSourceOf,
} from './aggregate.js';
import { type WorkerTotal, workerTotals } from './cluster.js';
import { type CrossCheckRow, sourceCrossCheck } from './crossCheck.js';

/** The sample aggregates of one workload's figures and tables (values unrounded). */
export interface SectionSamples {
  /** the coarsest cell's bin width (each cell is binned by its own span: cellBinWidths) */
  binS: number;
  cpuWorker: SeriesPoint[];
  cpuHost: SeriesPoint[];
  /** with remote hosts: the host view of each host apart, its name in envLabel ("… @ h1"); else empty */
  cpuPerHost: SeriesPoint[];
  memory: SeriesPoint[];
  /** each worker's network traffic (MB/s received and sent); empty when no worker had a network of its own */
  network: SeriesPoint[];
  workerGaps: GapSpan[];
  hostGaps: GapSpan[];
  /** per drill-down run (drillDownRuns): its workers' binned CPU */
  drill: Record<string, DrillRow[]>;
  crossCheck: CrossCheckRow[];
  /** some container was sampled through the Docker stats API */
  dockerStats: boolean;
  /** each worker of each measured run: busy cores within the job, bytes on its interfaces (the cluster table) */
  workerTotals: WorkerTotal[];
}

export interface SampleSource {
  /** what answers: 'memory' or 'parquet' */
  readonly kind: string;
  /** the aggregates of one section: `runs` are its runs (all of them: warm-ups and failures too) */
  section(runs: readonly RunRecord[], intervalS: number, views?: Views): Promise<SectionSamples>;
}

/** The remote hosts whose own view was sampled (the harness's machine is 'host'); none without remote hosts. */
function hostNames(samples: readonly SampleRecord[]): string[] {
  const names = new Set<string>();
  for (const s of samples) if (s.source === 'host' && s.worker !== 'host') names.add(s.worker);
  return [...names].sort();
}

/** One host's points, its name in the row label. */
export const atHost = (points: readonly SeriesPoint[], host: string): SeriesPoint[] =>
  points.map((p) => ({ ...p, envLabel: `${p.envLabel} @ ${host}` }));

/** The section aggregates over sample objects. Pure. */
export function sectionOf(
  runs: readonly RunRecord[],
  all: readonly SampleRecord[],
  intervalS: number,
  views?: Views,
): SectionSamples {
  const names = new Set(runs.map((r) => r.run));
  const samples = all.filter((s) => names.has(s.run));
  const widths = cellBinWidths(runs, samples, intervalS);
  const drill: Record<string, DrillRow[]> = {};
  for (const run of drillDownRuns(runs, views))
    drill[run.run] = drillDownRows(
      samples,
      run.run,
      workerSourceOf(run, views)!,
      widths.get(cellKey(run.env, run.instances))!,
    );
  return {
    binS: coarsestBin(widths, intervalS),
    cpuWorker: timeSeries(runs, samples, 'worker', cpuPick('worker'), widths, views),
    cpuHost: timeSeries(runs, samples, 'host', cpuPick('host'), widths, views),
    cpuPerHost: hostNames(samples).flatMap((h) =>
      atHost(
        timeSeries(
          runs,
          samples.filter((s) => s.source !== 'host' || s.worker === h),
          'host',
          cpuPick('host'),
          widths,
          views,
        ),
        h,
      ),
    ),
    memory: timeSeries(runs, samples, 'worker', memoryPick, widths, views),
    network: timeSeries(runs, samples, 'worker', networkPick(intervalS), widths, views),
    workerGaps: samplerGaps(runs, samples, 'worker', views),
    hostGaps: samplerGaps(runs, samples, 'host', views),
    drill,
    crossCheck: sourceCrossCheck(runs, samples, 'cgroup', 'docker-stats'),
    dockerStats: samples.some((s) => s.source === 'docker-stats'),
    workerTotals: workerTotals(runs, samples, views),
  };
}

export function memorySamples(samples: readonly SampleRecord[]): SampleSource {
  return {
    kind: 'memory',
    section: async (runs, intervalS, views) => sectionOf(runs, samples, intervalS, views),
  };
}

/** Three decimals for the page: beyond what a figure shows, and they keep the page small. */
export function roundedPoints(points: readonly SeriesPoint[]): SeriesPoint[] {
  return points.map((p) => ({ ...p, t: round3(p.t), value: round3(p.value), lo: round3(p.lo), hi: round3(p.hi) }));
}
export const roundedGaps = (gaps: readonly GapSpan[]): GapSpan[] =>
  gaps.map((g) => ({ ...g, t0: round3(g.t0), t1: round3(g.t1) }));
export const roundedDrill = (rows: readonly DrillRow[]): DrillRow[] =>
  rows.map((r) => ({ ...r, t: round3(r.t), ...(r.value !== undefined ? { value: round3(r.value) } : {}) }));
