// Measured ratios against the published ones: each range a workload's manifest cites
// (Felter et al., gVisor's own figures, Zhang et al.'s Fig. 5) beside the ratio measured
// here for every environment of the kinds it speaks for, and a verdict — a ratio whose
// whole 95% interval misses the range is marked, so a reading far from the literature is
// seen, and then checked by hand (docs/network.md). Pure.

import type { MetricDefs } from '../results/metrics.js';
import { defsOf, headlineOf, workerMean, workloadOf } from '../results/metrics.js';
import type { PublishedRange, RunRecord, WorkloadMeta } from '../results/types.js';
import { type Views, viewOf } from '../results/views.js';
import { intervalCell } from './enough.js';
import type { Table } from './html.js';
import { modeOf, workersOf } from './network.js';
import { overheadRatio } from './suite.js';

/** Where a measured ratio lies against a published range. */
export type Verdict = 'within' | 'above' | 'below' | 'near';

/** within: the estimate inside; above / below: the whole interval beyond an end; near: outside, its interval reaching in. */
export function verdictOf(
  r: { estimate: number; lo: number; hi: number },
  range: Pick<PublishedRange, 'lo' | 'hi'>,
): Verdict {
  const top = range.hi ?? Number.POSITIVE_INFINITY;
  if (r.estimate >= range.lo && r.estimate <= top) return 'within';
  if (r.lo > top) return 'above';
  if (r.hi < range.lo) return 'below';
  return 'near';
}

export interface PublishedComparison {
  workload: string;
  finding: string;
  source: string;
  range: PublishedRange;
  env: string;
  against: string;
  network: string;
  workers: number;
  metric: string;
  estimate: number;
  lo: number;
  hi: number;
  n: number;
  verdict: Verdict;
}

const rangeText = (r: Pick<PublishedRange, 'lo' | 'hi'>) =>
  r.hi === null ? `≥ ${r.lo.toFixed(2)}` : r.lo === r.hi ? r.lo.toFixed(2) : `${r.lo.toFixed(2)}–${r.hi.toFixed(2)}`;

/** The runs a ratio is taken against: the kind asked for, the same work and workers; native in the host's namespace where there are such runs (the network anchor), else the same network. */
function anchorRuns(ok: readonly RunRecord[], of: RunRecord, against: string, views?: Views): RunRecord[] {
  const same = ok.filter(
    (r) => r.workKey === of.workKey && workersOf(r) === workersOf(of) && viewOf(r.env, views).kind === against,
  );
  const host = same.filter((r) => modeOf(r) === 'host');
  return against === 'baseline' && host.length ? host : same.filter((r) => modeOf(r) === modeOf(of));
}

/** Every measured ratio a workload's published ranges speak for, with its verdict. */
export function publishedComparisons(
  runs: readonly RunRecord[],
  defs: MetricDefs,
  workloads: readonly WorkloadMeta[],
  views?: Views,
): PublishedComparison[] {
  const ok = runs.filter((r) => !r.warmup && r.status === 'ok');
  const out: PublishedComparison[] = [];
  for (const w of workloads) {
    const mine = ok.filter((r) => workloadOf(r) === w.id);
    const metricDefs = defsOf(defs, w.id);
    for (const range of w.reference?.ranges ?? []) {
      const head = headlineOf(metricDefs);
      const metric = range.metric ?? head?.name ?? 'makespan';
      const better = metric === 'makespan' ? 'lower' : (metricDefs[metric]?.better ?? 'lower');
      const value = (r: RunRecord) => (metric === 'makespan' ? r.makespanS : workerMean(r, metric));
      const values = (rs: readonly RunRecord[]) =>
        rs.map(value).filter((x): x is number => x !== null && Number.isFinite(x));
      const against = range.against ?? 'baseline';
      const subjects = mine.filter(
        (r) => range.kinds.includes(viewOf(r.env, views).kind) && (!range.network || r.network === range.network),
      );
      const cells = new Map<string, RunRecord[]>();
      for (const r of subjects) {
        const key = `${r.env}\0${modeOf(r)}\0${workersOf(r)}`;
        cells.set(key, [...(cells.get(key) ?? []), r]);
      }
      for (const cell of cells.values()) {
        const base = anchorRuns(ok, cell[0]!, against, views);
        const xs = values(cell);
        const ys = values(base);
        if (!xs.length || !ys.length) continue;
        const ratio = overheadRatio(better, xs, ys);
        out.push({
          workload: w.id,
          finding: range.finding,
          source: range.source ?? w.reference!.source,
          range,
          env: cell[0]!.env,
          against: [...new Set(base.map((r) => `${r.env} ${modeOf(r)}`))].join(', '),
          network: modeOf(cell[0]!),
          workers: workersOf(cell[0]!),
          metric,
          ...ratio,
          n: Math.min(xs.length, ys.length),
          verdict: verdictOf(ratio, range),
        });
      }
    }
  }
  return out;
}

const VERDICT_TEXT: Record<Verdict, string> = {
  within: 'within',
  near: 'outside; its interval reaches the range',
  above: '⚠ above the range',
  below: '⚠ below the range',
};

/** The comparisons as a table, or null when no workload cites a range or none was measured. */
export function publishedTable(comparisons: readonly PublishedComparison[], views?: Views): Table | null {
  if (!comparisons.length) return null;
  const outside = comparisons.filter((c) => c.verdict === 'above' || c.verdict === 'below');
  return {
    title: 'Measured here against the published ratios',
    columns: [
      'workload',
      'finding',
      'published',
      'environment',
      'network',
      'workers',
      'against',
      'metric',
      'measured',
      '95% CI',
      'verdict',
    ],
    rows: comparisons.map((c) => [
      c.workload,
      `${c.finding} (${c.source})`,
      rangeText(c.range),
      viewOf(c.env, views).label,
      c.network,
      c.workers,
      c.against,
      c.metric,
      c.estimate.toFixed(3),
      intervalCell(c.lo, c.hi, c.n, (x) => x.toFixed(3)),
      VERDICT_TEXT[c.verdict],
    ]),
    note: `Ratios are how many times worse than the runs named under "against" (a throughput: theirs ÷ this; a time: this ÷ theirs), as the published ones are. ${
      outside.length
        ? `${outside.length} of ${comparisons.length} lie wholly outside their published range (⚠).`
        : 'None lies wholly outside its published range.'
    } The published set-ups are not this one (other machines, KVM rather than an emulator, a client on another machine); docs/network.md says which readings were checked by hand with the same tools outside versus, and what was found.`,
  };
}

/** A line for the report's warnings when any measured ratio lies wholly outside its published range; null otherwise. */
export function publishedWarning(comparisons: readonly PublishedComparison[], views?: Views): string | null {
  const outside = comparisons.filter((c) => c.verdict === 'above' || c.verdict === 'below');
  if (!outside.length) return null;
  const names = outside
    .slice(0, 4)
    .map((c) => `${c.workload} ${viewOf(c.env, views).short} ${c.estimate.toFixed(2)}x against ${rangeText(c.range)}`);
  return `${outside.length} measured ratio(s) lie outside the published range (${names.join('; ')}${outside.length > 4 ? '; …' : ''}): see the table "Measured here against the published ratios".`;
}
