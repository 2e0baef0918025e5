// The report's extra tables: memory three ways, and the two container samplers side by side. Pure.

import { METRICS, type MetricDef, metricStat, workerMean } from '../results/metrics.js';
import { formatValue } from '../results/summary.js';
import type { RunRecord } from '../results/types.js';
import type { CrossCheckRow } from './crossCheck.js';
import { MIN_FOR_INTERVAL, MIN_FRAMES, tooFew } from './enough.js';
import type { Table } from './html.js';
import type { MemoryRow } from './memoryTable.js';
import { USED_MEANS } from './memoryTable.js';

const fmt = (x: number | null | undefined, digits = 3) =>
  x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits);

/** Memory three ways per cell: comparable PSS/USS, the view's used, what the host pays. */
export function memoryTable(rows: MemoryRow[], label: (env: string) => string) {
  const mib = (b: number | null) => (b === null ? '–' : (b / 2 ** 20).toFixed(1));
  const means = (src: string | undefined, vm: boolean) =>
    src === 'process' && vm ? 'QEMU process RSS' : (USED_MEANS[src ?? ''] ?? src ?? '?');
  return {
    title: 'Memory per worker (MiB, peak, mean over runs)',
    columns: ['environment', 'instances', 'workload PSS', 'workload USS', 'view’s used', 'host pays', 'host pays = '],
    rows: rows.map((r) => [
      label(r.env),
      r.instances,
      mib(r.pss),
      mib(r.uss),
      `${mib(r.viewUsed)} (${means(r.viewSource, false)})`,
      mib(r.hostPays),
      means(r.hostSource, r.viewSource === 'guest'),
    ]),
    note: 'PSS/USS are the workload processes’ own memory (smaps_rollup), comparable across environments; they drive Fig. 7 and summary.json. “View’s used” is each sampler’s own notion (different quantities). “Host pays” is what the host spends per worker: the QEMU process for a VM (guest kernel and page cache included), the container’s cgroup, the native process.',
  };
}

/** The cgroup files and the Docker stats API on the same containers: do they agree? */
export function crossCheckTable(rows: CrossCheckRow[], label: (env: string) => string) {
  // a difference over fewer frames than MIN_FRAMES is a frame's noise, not a finding
  const enough = rows.filter((r) => r.b.n >= MIN_FRAMES);
  const worst = Math.max(...enough.map((r) => Math.abs(r.diffPts)));
  const thin = rows.length - enough.length;
  return {
    title: 'Sampler cross-check: cgroup files vs Docker stats API',
    columns: [
      'run',
      'environment',
      'instances',
      'cgroup CPU %',
      'samples',
      'docker-stats CPU %',
      'frames',
      'difference (points)',
    ],
    rows: rows.map((r) => [
      r.run,
      label(r.env),
      r.instances,
      fmt(r.a.meanPct, 1),
      r.a.n,
      fmt(r.b.meanPct, 1),
      r.b.n,
      r.b.n >= MIN_FRAMES ? `${r.diffPts >= 0 ? '+' : ''}${fmt(r.diffPts, 2)}` : tooFew(r.b.n, 'frames'),
    ]),
    note: `Mean CPU (user + system, % of the allocation) per source over the same window of each container: from its first Docker stats frame after the barrier to its last one before the makespan (a frame covers the time since the one before it; the cgroup reader samples every interval). ${enough.length ? ` The largest difference here is ${fmt(worst, 2)} points.` : ''}${thin ? ` ${thin} run(s) had fewer than ${MIN_FRAMES} frames in the window: their difference is not shown (a longer run or a bigger preset gives more).` : ''}`,
  };
}

/** Every metric the workload declared, per environment and density: mean and 95% interval over the runs. */
export function workloadMetricsTable(
  runs: readonly RunRecord[],
  defs: Record<string, MetricDef>,
  label: (env: string) => string,
): Table[] {
  const own = Object.values(defs).filter((d) => !METRICS[d.name]);
  if (own.length === 0) return [];
  const ok = runs.filter((r) => !r.warmup && r.status === 'ok');
  const cells = [...new Set(ok.map((r) => `${r.env}\0${r.instances}`))];
  return [
    {
      title: 'Workload metrics (mean of the workers per run; mean and 95% log-t interval over runs)',
      columns: [
        'environment',
        'instances',
        ...own.map((d) => `${d.name} (${d.unit}, ${d.better === 'higher' ? '↑' : '↓'} better)`),
      ],
      rows: cells.map((key) => {
        const [env, n] = key.split('\0') as [string, string];
        const mine = ok.filter((r) => r.env === env && r.instances === Number(n));
        return [
          label(env),
          Number(n),
          ...own.map((d) => {
            const xs = mine.map((r) => workerMean(r, d.name)).filter((x): x is number => x !== null);
            const st = metricStat(
              xs,
              mine.map((r) => r.run),
            );
            if (!st) return '–';
            if (xs.length < MIN_FOR_INTERVAL)
              return `${formatValue(st.mean)} (${tooFew(xs.length, 'runs')} for an interval)`;
            return `${formatValue(st.mean)} [${formatValue(st.ci95[0])}, ${formatValue(st.ci95[1])}]`;
          }),
        ];
      }),
    },
  ];
}
