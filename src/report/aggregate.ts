// From runs and samples to the tables the figures draw. Pure functions.
import { measuredCells, pairRatios, runMetrics, workerSourceOf } from '../results/metrics.js';
import type { RunRecord, SampleRecord } from '../results/types.js';
import { envRank, type Views, viewOf } from '../results/views.js';
import { extent, mean } from '../stats/basic.js';
import { meanInterval } from '../stats/intervals.js';

/** One row of a run's drill-down figure: a sample, a phase boundary or a sampler gap. */
export interface DrillRow {
  kind: 'sample' | 'phase' | 'gap';
  worker: string;
  t: number;
  t1?: number;
  series?: string;
  value?: number;
  phase?: string;
}

export { workerSourceOf };

/** The legend label of an environment, from the results' views (else the registry's). */
export function envLabel(env: string, views?: Views): string {
  return viewOf(env, views).label;
}

export type View = 'worker' | 'host';

/** Three decimals are beyond what a figure shows and keep the page small. */
export const round3 = (x: number) => Math.round(x * 1000) / 1000;

export interface SeriesPoint {
  env: string;
  envLabel: string;
  instances: number;
  t: number;
  series: string;
  value: number;
  lo: number;
  hi: number;
}

export function measuredOk(runs: readonly RunRecord[]): RunRecord[] {
  return runs.filter((r) => !r.warmup && r.status === 'ok');
}

/**
 * Time series averaged over the workers of a run, then over the measured runs of a
 * cell, in bins of binS seconds. Each point keeps the min and max of the run-level
 * values in its bin, so downsampling never hides a peak.
 */
export function timeSeries(
  runs: readonly RunRecord[],
  samples: readonly SampleRecord[],
  view: View,
  pick: (s: SampleRecord, hostWait: number | null) => Record<string, number | null>,
  /** one width for every cell, or each cell's own (cellBinWidths) */
  binS: number | ReadonlyMap<string, number>,
  views?: Views,
): SeriesPoint[] {
  const ok = new Map(measuredOk(runs).map((r) => [r.run, r]));
  const widthOf = (run: RunRecord) =>
    typeof binS === 'number' ? binS : (binS.get(cellKey(run.env, run.instances)) ?? 1);
  // run -> bin -> series -> values (one per worker sample)
  const perRun = new Map<string, Map<number, Map<string, number[]>>>();
  // the host's iowait per run and bin: its latest sample in the bin
  const hostByRun = new Map<string, Map<number, SampleRecord>>();
  for (const s of samples) {
    const hostRun = ok.get(s.run);
    if (!hostRun || s.source !== 'host') continue;
    if (!hostByRun.has(s.run)) hostByRun.set(s.run, new Map());
    const bins = hostByRun.get(s.run)!;
    const bin = Math.floor(s.t / widthOf(hostRun));
    const cur = bins.get(bin);
    if (!cur || s.t >= cur.t) bins.set(bin, s);
  }
  for (const s of samples) {
    const run = ok.get(s.run);
    if (!run) continue;
    const wanted = view === 'host' ? s.source === 'host' : s.source === workerSourceOf(run, views);
    if (!wanted) continue;
    const bin = Math.floor(s.t / widthOf(run));
    const values = pick(s, hostByRun.get(s.run)?.get(bin)?.iowait ?? null);
    if (!perRun.has(s.run)) perRun.set(s.run, new Map());
    const bins = perRun.get(s.run)!;
    if (!bins.has(bin)) bins.set(bin, new Map());
    const series = bins.get(bin)!;
    for (const [name, v] of Object.entries(values)) {
      if (v === null || !Number.isFinite(v)) continue;
      if (!series.has(name)) series.set(name, []);
      series.get(name)!.push(v);
    }
  }
  // cell -> bin -> series -> run-level means
  const cells = new Map<
    string,
    { env: string; instances: number; width: number; bins: Map<number, Map<string, number[]>> }
  >();
  for (const [runName, bins] of perRun) {
    const run = ok.get(runName)!;
    const key = cellKey(run.env, run.instances);
    if (!cells.has(key))
      cells.set(key, { env: run.env, instances: run.instances, width: widthOf(run), bins: new Map() });
    const cell = cells.get(key)!;
    for (const [bin, series] of bins) {
      if (!cell.bins.has(bin)) cell.bins.set(bin, new Map());
      for (const [name, values] of series) {
        const target = cell.bins.get(bin)!;
        if (!target.has(name)) target.set(name, []);
        target.get(name)!.push(mean(values));
      }
    }
  }
  const out: SeriesPoint[] = [];
  for (const cell of cells.values()) {
    for (const [bin, series] of [...cell.bins].sort((a, b) => a[0] - b[0])) {
      for (const [name, values] of series) {
        const [lo, hi] = extent(values);
        out.push({
          env: cell.env,
          envLabel: envLabel(cell.env, views),
          instances: cell.instances,
          t: (bin + 0.5) * cell.width,
          series: name,
          value: mean(values),
          lo,
          hi,
        });
      }
    }
  }
  return out.sort((a, b) => envRank(a.env, views) - envRank(b.env, views) || a.instances - b.instances || a.t - b.t);
}

/** A stretch without samples of one worker (its sampler was reconnecting): drawn as a grey band. */
export interface GapSpan {
  gap: true;
  env: string;
  envLabel: string;
  instances: number;
  run: string;
  worker: string;
  t0: number;
  t1: number;
}

/** The sampler gaps of the measured ok runs in one view: [t - gapS, t] of every sample that carries gapS. */
export function samplerGaps(
  runs: readonly RunRecord[],
  samples: readonly SampleRecord[],
  view: View,
  views?: Views,
): GapSpan[] {
  const ok = new Map(measuredOk(runs).map((r) => [r.run, r]));
  const out: GapSpan[] = [];
  for (const s of samples) {
    const run = ok.get(s.run);
    if (!run || s.gapS === null || s.gapS === undefined || !(s.gapS > 0)) continue;
    const wanted = view === 'host' ? s.source === 'host' : s.source === workerSourceOf(run, views);
    if (!wanted) continue;
    out.push({
      gap: true,
      env: run.env,
      envLabel: envLabel(run.env, views),
      instances: run.instances,
      run: run.run,
      worker: s.worker,
      t0: s.t - s.gapS,
      t1: s.t,
    });
  }
  return out.sort((a, b) => envRank(a.env, views) - envRank(b.env, views) || a.instances - b.instances || a.t0 - b.t0);
}

/** User / System / Wait / Steal CPU; containers and processes take Wait from the host view. */
export function cpuPick(view: View) {
  return (s: SampleRecord, hostWait: number | null): Record<string, number | null> => {
    // no iowait of its own: the host's in the same bin, labelled in the figure as coming from the host
    const wait = s.iowait ?? (view === 'worker' ? hostWait : null);
    const out: Record<string, number | null> = { 'User CPU': s.user, 'System CPU': s.system, 'Wait CPU': wait };
    if (s.steal !== null && s.steal > 0) out['Steal CPU'] = s.steal;
    return out;
  };
}

/** The workload's PSS and USS where the sampler saw them (comparable everywhere), else the view's used/cached. */
export function memoryPick(s: SampleRecord): Record<string, number | null> {
  const gb = (b: number | null | undefined) => (b === null || b === undefined ? null : b / 2 ** 30);
  if (s.memPssBytes !== null && s.memPssBytes !== undefined)
    return { 'Workload PSS': gb(s.memPssBytes), 'Workload USS': gb(s.memUssBytes) };
  return { 'Used memory': gb(s.memUsedBytes), 'Cached memory': gb(s.memCachedBytes) };
}

/** What each worker's own namespace received and sent, MB/s over the sampling interval; null without a network of its own. */
export function networkPick(intervalS: number) {
  const rate = (b: number | null | undefined) => (b === null || b === undefined ? null : b / intervalS / 1e6);
  return (s: SampleRecord): Record<string, number | null> => ({
    Received: rate(s.netRxBytes),
    Sent: rate(s.netTxBytes),
  });
}

/** A bin width that keeps at most maxBins bins over a span of seconds: the interval, or a multiple of it. Pure. */
export function widthFor(spanS: number, intervalS: number, maxBins = 300): number {
  const base = Math.max(intervalS, 0.05);
  return spanS / base > maxBins ? Math.ceil(spanS / maxBins / base) * base : base;
}

/** A bin width that keeps at most maxBins bins over the samples' span (from min(0, first t) to max(0, last t)). */
export function binWidth(samples: readonly SampleRecord[], intervalS: number, maxBins = 300): number {
  let tmin = 0;
  let tmax = 0;
  for (const s of samples) {
    if (s.t < tmin) tmin = s.t;
    if (s.t > tmax) tmax = s.t;
  }
  return widthFor(tmax - tmin, intervalS, maxBins);
}

/** The widest of the cells' bins (the interval when there is no cell). Pure. */
export function coarsestBin(widths: ReadonlyMap<string, number>, intervalS: number): number {
  return widths.size ? Math.max(...widths.values()) : widthFor(0, intervalS);
}

/** The key of a figure's cell (one panel): environment × instances. */
export const cellKey = (env: string, instances: number) => `${env}\0${instances}`;

/**
 * Each cell's own bin width (binWidth over the samples of its runs), so a panel of 4 s
 * container runs keeps the sampling interval beside a panel of 100 s VM runs. Pure.
 */
export function cellBinWidths(
  runs: readonly RunRecord[],
  samples: readonly SampleRecord[],
  intervalS: number,
  maxBins = 300,
): Map<string, number> {
  const cellOf = new Map(runs.map((r) => [r.run, cellKey(r.env, r.instances)]));
  const byCell = new Map<string, SampleRecord[]>(runs.map((r) => [cellKey(r.env, r.instances), []]));
  for (const s of samples) byCell.get(cellOf.get(s.run) ?? '')?.push(s);
  return new Map([...byCell].map(([k, cell]) => [k, binWidth(cell, intervalS, maxBins)]));
}

export interface CellStat {
  env: string;
  envLabel: string;
  envColor: string;
  instances: number;
  n: number;
  failed: number;
  mean: number | null;
  lo: number | null;
  hi: number | null;
}

/** Mean and 95% interval (log-t) of a per-run metric, per env x instances; failures counted. */
export function cellStats(
  runs: readonly RunRecord[],
  metric: (r: RunRecord) => number | null,
  views?: Views,
): CellStat[] {
  const cells = measuredCells(runs);
  const out: CellStat[] = [];
  for (const group of cells.values()) {
    const values = group
      .filter((r) => r.status === 'ok')
      .map(metric)
      .filter((x): x is number => x !== null && Number.isFinite(x));
    const ci = values.length ? meanInterval(values) : null;
    out.push({
      env: group[0]!.env,
      envLabel: envLabel(group[0]!.env, views),
      envColor: viewOf(group[0]!.env, views).color,
      instances: group[0]!.instances,
      n: values.length,
      failed: group.filter((r) => r.status !== 'ok').length,
      mean: ci?.estimate ?? null,
      lo: ci?.lo ?? null,
      hi: ci?.hi ?? null,
    });
  }
  return out.sort((a, b) => envRank(a.env, views) - envRank(b.env, views) || a.instances - b.instances);
}

/** Ready latency of a run: its slowest VM boot, or its provisioning time. */
export const bootLatency = (r: RunRecord): number | null => runMetrics(r, new Map()).ready ?? null;

export type RatioRow = ReturnType<typeof pairRatios>[number];

/** Makespan overhead ratios, unpaired and paired by block, per instance count (the same rule as summary.json). */
export function overheadRatios(runs: readonly RunRecord[], views?: Views): RatioRow[] {
  const ok = measuredOk(runs).filter((r) => r.makespanS !== null);
  return pairRatios(
    ok,
    (env, n) => {
      const mine = ok.filter((r) => r.env === env && r.instances === n);
      return { values: mine.map((r) => r.makespanS!), blocks: mine.map((r) => r.repetition) };
    },
    views,
  );
}

export interface PhaseRule {
  worker: string;
  phase: string;
  t: number;
}

/** One representative run per environment for the per-worker drill-down: the first measured ok run with the most workers. */
export function drillDownRuns(runs: readonly RunRecord[], views?: Views): RunRecord[] {
  const byEnv = new Map<string, RunRecord>();
  for (const r of measuredOk(runs)) {
    const cur = byEnv.get(r.env);
    if (!cur || r.instances > cur.instances) byEnv.set(r.env, r);
  }
  return [...byEnv.values()].sort((a, b) => envRank(a.env, views) - envRank(b.env, views));
}

/** One run's worker-view samples per worker, binned like the grids (mean per bin). */
export function drillDownRows(samples: readonly SampleRecord[], run: string, source: string, binS: number): DrillRow[] {
  const bins = new Map<string, { worker: string; bin: number; series: string; sum: number; n: number }>();
  const pick = cpuPick('worker');
  for (const s of samples) {
    if (s.run !== run || s.source !== source) continue;
    const bin = Math.floor(s.t / binS);
    for (const [series, value] of Object.entries(pick(s, null))) {
      if (value === null) continue;
      const key = `${s.worker}\0${bin}\0${series}`;
      const b = bins.get(key) ?? { worker: s.worker, bin, series, sum: 0, n: 0 };
      b.sum += value;
      b.n++;
      bins.set(key, b);
    }
  }
  return [...bins.values()].map((b) => ({
    kind: 'sample' as const,
    worker: b.worker,
    t: (b.bin + 0.5) * binS,
    series: b.series,
    value: b.sum / b.n,
  }));
}
