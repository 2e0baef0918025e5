// What one results directory contributes to the history, and the series the history
// holds: one per machine × accelerator × workload × environment × instances × metric,
// so numbers from different machines or accelerators never share a series. Pure.

import { cellMetrics, metricDefs, overheadRatios, workloadOf, worseOf } from '../results/metrics.js';
import { type ResultSet, workloadsOf } from '../results/read.js';
import type { StatsByRun } from '../results/sampleStats.js';
import { acceleratorFacts } from '../results/types.js';
import type { Views } from '../results/views.js';
import { sha256 } from '../util/hash.js';

export const HISTORY_FORMAT = 'versus-history/1';

export interface HistoryCell {
  workload: string;
  /** an environment, or an overhead pair such as "VM/container" */
  env: string;
  instances: number;
  metric: string;
  unit: string;
  worse: 'higher' | 'lower';
  n: number;
  mean: number;
  ci95: [number, number];
  /** the accelerator(s) behind the cell ('' when no VM is involved) */
  accelerator: string;
}

export interface HistoryEntry {
  format: typeof HISTORY_FORMAT;
  /** the results' identity: the same results are never added twice */
  id: string;
  label: string;
  addedAt: string;
  startedAt: string;
  resultsDir: string;
  report: string | null;
  machine: { key: string; cpu: string; cores: number | null; memoryGiB: number | null; kernel: string };
  cells: HistoryCell[];
}

export function machineOf(meta: ResultSet['meta']): HistoryEntry['machine'] {
  const cpu = meta.host?.cpu?.brand ?? '?';
  const cores = meta.host?.cpu?.cores ?? null;
  const memoryGiB = meta.host?.memoryBytes ? Math.round(meta.host.memoryBytes / 2 ** 30) : null;
  return {
    key: sha256(JSON.stringify([cpu, cores, memoryGiB])).slice(0, 12),
    cpu,
    cores,
    memoryGiB,
    kernel: meta.host?.os?.kernel ?? '?',
  };
}

function acceleratorOf(meta: ResultSet['meta'], env: string): string {
  return acceleratorFacts(meta.environments?.[env])?.accelerator ?? '';
}

/** Every cell's every metric, and every overhead ratio, of one result set. */
export function entryOf(
  rs: Omit<ResultSet, 'samples'>,
  stats: StatsByRun,
  where: { label: string; resultsDir: string; report: string | null; addedAt: string },
): HistoryEntry {
  const defs = metricDefs(workloadsOf(rs.meta));
  const metrics = cellMetrics(rs.runs, stats, defs);
  const cells: HistoryCell[] = [];
  for (const c of metrics) {
    for (const [name, stat] of Object.entries(c.metrics)) {
      if (!stat) continue;
      const def = (defs[c.workload] ?? Object.values(defs)[0])?.[name];
      cells.push({
        workload: c.workload,
        env: c.env,
        instances: c.instances,
        metric: name,
        unit: def?.unit ?? '',
        worse: def ? worseOf(def) : 'higher',
        n: stat.n,
        mean: stat.mean,
        ci95: stat.ci95,
        accelerator: acceleratorOf(rs.meta, c.env),
      });
    }
  }
  const views = rs.meta.views as Views | undefined;
  const accelerators = Object.keys(rs.meta.environments ?? {})
    .map((env) => acceleratorOf(rs.meta, env))
    .filter(Boolean);
  for (const r of overheadRatios(metrics, 'makespan', views)) {
    const n = Math.min(
      ...metrics.filter((c) => c.workload === r.workload && c.instances === r.instances).map((c) => c.ok),
    );
    cells.push({
      workload: r.workload,
      env: r.pair,
      instances: r.instances,
      metric: 'overhead',
      unit: 'ratio of makespans',
      worse: 'higher',
      n,
      mean: r.ratio,
      ci95: r.ci95,
      accelerator: [...new Set(accelerators)].join('+'),
    });
  }
  const workloadIds = [...new Set(rs.runs.map(workloadOf))];
  return {
    format: HISTORY_FORMAT,
    id: `${rs.meta.experimentId ?? '?'}@${rs.meta.startedAt ?? '?'}`,
    label: where.label,
    addedAt: where.addedAt,
    startedAt: rs.meta.startedAt ?? where.addedAt,
    resultsDir: where.resultsDir,
    report: where.report,
    machine: machineOf(rs.meta),
    cells: cells.filter((c) => workloadIds.includes(c.workload)),
  };
}

export interface SeriesPoint {
  label: string;
  startedAt: string;
  mean: number;
  ci95: [number, number];
  n: number;
  report: string | null;
}

export interface Series
  extends Pick<HistoryCell, 'workload' | 'env' | 'instances' | 'metric' | 'unit' | 'worse' | 'accelerator'> {
  key: string;
  machine: HistoryEntry['machine'];
  points: SeriesPoint[];
}

/** The history's series, points in the order the results were taken. */
export function seriesOf(entries: readonly HistoryEntry[]): Series[] {
  const out = new Map<string, Series>();
  const ordered = [...entries].sort(
    (a, b) => a.startedAt.localeCompare(b.startedAt) || a.addedAt.localeCompare(b.addedAt),
  );
  for (const e of ordered) {
    for (const c of e.cells) {
      const key = [e.machine.key, c.accelerator, c.workload, c.env, c.instances, c.metric].join('|');
      let s = out.get(key);
      if (!s) {
        s = {
          key,
          machine: e.machine,
          workload: c.workload,
          env: c.env,
          instances: c.instances,
          metric: c.metric,
          unit: c.unit,
          worse: c.worse,
          accelerator: c.accelerator,
          points: [],
        };
        out.set(key, s);
      }
      s.points.push({ label: e.label, startedAt: e.startedAt, mean: c.mean, ci95: c.ci95, n: c.n, report: e.report });
    }
  }
  return [...out.values()];
}

/** "<workload> docker x1 makespan (tcg)" */
export function seriesName(s: Pick<Series, 'workload' | 'env' | 'instances' | 'metric' | 'accelerator'>): string {
  return `${s.workload ? `${s.workload} ` : ''}${s.env} x${s.instances} ${s.metric}${s.accelerator ? ` (${s.accelerator})` : ''}`;
}
