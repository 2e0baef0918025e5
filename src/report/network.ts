// The network section of a report: each networked workload's throughput and latency per
// environment × network mode, with 95% intervals and the overhead against native `host`
// (the no-isolation anchor), beside the published results the workloads cite. Pure.
import { defsOf, type MetricDef, type MetricDefs, workerMean, workloadOf } from '../results/metrics.js';
import { formatValue } from '../results/summary.js';
import type { RunRecord, WorkloadMeta } from '../results/types.js';
import { envRank, type Views, viewOf } from '../results/views.js';
import { meanInterval } from '../stats/intervals.js';
import { intervalCell } from './enough.js';
import type { Table } from './html.js';
import { overheadRatio } from './suite.js';

export interface NetworkCell {
  /** the work done: entries of one work key sit together, the anchor (native host) first */
  workKey: string;
  /** the suite entry (workload id) whose runs these are: entries are never pooled */
  workload: string;
  env: string;
  envLabel: string;
  mode: string;
  instances: number;
  metric: string;
  /** the metric's place: the headline first, then the latencies as declared */
  metricRank: number;
  unit: string;
  mean: number;
  lo: number;
  hi: number;
  n: number;
  /** how many times worse than native host (oriented by the metric's direction), over n and nAnchor runs; null without that anchor */
  overhead: { estimate: number; lo: number; hi: number; nAnchor: number } | null;
}

/** The headline, then every latency (a time, lower is better) a workload declares, in its order. */
export function networkMetrics(defs: Record<string, MetricDef>): MetricDef[] {
  const latency = (d: MetricDef) => d.better === 'lower' && (d.unit === 'µs' || d.unit === 'ms');
  const all = Object.values(defs);
  return [...all.filter((d) => d.headline), ...all.filter((d) => !d.headline && latency(d))];
}

/** The run's workers, the environment's and those of roles placed on the host. */
export function workersOf(r: RunRecord): number {
  return r.workers.length || r.instances;
}

/** Its network mode, and which roles ran on the host ("bridge, client on the host"). Pure. */
export function modeOf(r: RunRecord): string {
  const onHost = [...new Set(r.workers.filter((w) => w.onHost).map((w) => w.role ?? 'worker'))];
  return `${r.network ?? 'none'}${onHost.length ? `, ${onHost.join(' and ')} on the host` : ''}`;
}

/**
 * One cell per suite entry, environment, mode, density and metric; ok measured runs only.
 * Entries are never pooled, not even those whose work key is the same (a parameter that
 * only changes how the work is done, such as parallel streams, still changes a network
 * figure): one statistic, one piece of work.
 */
export function networkCells(runs: readonly RunRecord[], defs: MetricDefs, views?: Views): NetworkCell[] {
  const ok = runs.filter((r) => !r.warmup && r.status === 'ok' && (r.network === 'bridge' || r.network === 'host'));
  const out: NetworkCell[] = [];
  const entryOf = (r: RunRecord) => `${workloadOf(r)}\0${r.workKey}`;
  for (const entry of [...new Set(ok.map(entryOf))]) {
    const mine = ok.filter((r) => entryOf(r) === entry);
    const label = workloadOf(mine[0]!);
    const metrics = networkMetrics(defsOf(defs, workloadOf(mine[0]!)));
    const values = (rs: readonly RunRecord[], m: string) =>
      rs.map((r) => workerMean(r, m)).filter((x): x is number => x !== null && Number.isFinite(x));
    // runs compare by how many workers they had, wherever they ran (a client on the host is not an instance)
    for (const instances of [...new Set(mine.map(workersOf))].sort((a, b) => a - b)) {
      const at = mine.filter((r) => workersOf(r) === instances);
      // the anchor did the same work natively on the host's network, whichever entry ran it
      const anchor = ok.filter(
        (r) =>
          r.workKey === mine[0]!.workKey &&
          workersOf(r) === instances &&
          modeOf(r) === 'host' &&
          viewOf(r.env, views).kind === 'baseline',
      );
      const groups = [...new Set(at.map((r) => `${r.env}\t${modeOf(r)}`))].map(
        (k) => k.split('\t') as [string, string],
      );
      for (const [env, mode] of groups) {
        const cell = at.filter((r) => r.env === env && modeOf(r) === mode);
        for (const [metricRank, d] of metrics.entries()) {
          const xs = values(cell, d.name);
          if (!xs.length) continue;
          const base = values(anchor, d.name);
          const i = meanInterval(xs);
          const r = base.length ? overheadRatio(d.better, xs, base) : null;
          out.push({
            workKey: mine[0]!.workKey,
            workload: label,
            env,
            envLabel: viewOf(env, views).label,
            mode,
            instances,
            metric: d.name,
            metricRank,
            unit: d.unit,
            mean: i.estimate,
            lo: i.lo,
            hi: i.hi,
            n: xs.length,
            overhead: r && { estimate: r.estimate, lo: r.lo, hi: r.hi, nAnchor: base.length },
          });
        }
      }
    }
  }
  // the anchor (native host) first, then the environments in the report's order, host before bridge
  const rank = (c: NetworkCell) =>
    c.mode === 'host' && viewOf(c.env, views).kind === 'baseline' ? -1 : envRank(c.env, views);
  const modeRank = (m: string) => (m === 'host' ? 0 : m === 'bridge' ? 1 : 2);
  const works = [...new Set(out.map((c) => c.workKey))];
  return out.sort(
    (a, b) =>
      works.indexOf(a.workKey) - works.indexOf(b.workKey) ||
      a.instances - b.instances ||
      a.metricRank - b.metricRank ||
      rank(a) - rank(b) ||
      modeRank(a.mode) - modeRank(b.mode) ||
      a.workload.localeCompare(b.workload),
  );
}

/** The published results the workloads declare they answer, one row per workload (its manifest's `reference`). */
export function referenceTable(workloads: readonly WorkloadMeta[]): Table | null {
  const named = new Map<string, WorkloadMeta>();
  for (const w of workloads) if (w.reference && !named.has(w.name)) named.set(w.name, w);
  if (!named.size) return null;
  const refs = [...named.values()];
  const columns = [...new Set(refs.flatMap((w) => Object.keys(w.reference!.findings)))];
  const sources = [...new Set(refs.map((w) => w.reference!.source))];
  return {
    title: `Reference: ${sources.join('; ')}`,
    columns: ['workload', 'their benchmark', ...columns],
    rows: refs.map((w) => [w.name, w.reference!.benchmark, ...columns.map((c) => w.reference!.findings[c] ?? '–')]),
    note: `Published results against native, as each workload's manifest cites them (${sources.join('; ')}): a reference beside what was measured here, not a bound. Their set-up is not this one (other machines, a client outside the measured environment); read docs/network.md before comparing.`,
  };
}

/** The section's two tables: what was measured here, and the published reference. */
export function networkTables(
  runs: readonly RunRecord[],
  defs: MetricDefs,
  views?: Views,
  workloads: readonly WorkloadMeta[] = [],
): Table[] {
  const cells = networkCells(runs, defs, views);
  if (!cells.length) return [];
  const anchored = cells.some((c) => c.overhead);
  const measured: Table = {
    title: 'Network: throughput and latency per environment and network mode',
    columns: [
      'workload',
      'environment',
      'mode',
      'workers',
      'metric',
      'mean',
      '95% CI',
      'runs',
      'vs native host',
      '95% CI',
    ],
    rows: cells.map((c) => [
      c.workload,
      c.envLabel,
      c.mode,
      c.instances,
      `${c.metric} (${c.unit})`,
      formatValue(c.mean),
      intervalCell(c.lo, c.hi, c.n, formatValue),
      c.n,
      c.overhead ? c.overhead.estimate.toFixed(3) : '–',
      c.overhead
        ? intervalCell(c.overhead.lo, c.overhead.hi, Math.min(c.n, c.overhead.nAnchor), (x) => x.toFixed(3))
        : '–',
    ]),
    note: `Means over runs of the reporting role's workers (clients); intervals: 95%, Student t on the log scale. ${
      anchored
        ? 'vs native host = how many times worse than native workers in the host namespace (a throughput: host ÷ this; a latency: this ÷ host); 1 = no overhead.'
        : 'No native host runs with the same work here: run the same workloads with --network host in native too for the overhead column.'
    } bridge: containers on an internal engine network (a veth pair and a bridge; no NAT: nothing is published), native workers in a network namespace each on the run's bridge, VMs on taps (virtio-net; under TCG an emulator's timings). host: the host's namespace, loopback. workers: every worker of the run, the environment's and those of roles on the host (a native process on the run's segment, Felter's external client).`,
  };
  const reference = referenceTable(workloads.filter((w) => cells.some((c) => c.workload.split(' / ').includes(w.id))));
  return reference ? [measured, reference] : [measured];
}
