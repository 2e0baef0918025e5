// Memory per environment and density, three ways: the comparable workload PSS/USS, each
// view's own "used", and what the host pays for a worker. Pure.
import { workerSourceOf } from '../results/metrics.js';
import { type StatsByRun, statsOf } from '../results/sampleStats.js';
import type { RunRecord, SampleRecord } from '../results/types.js';
import type { Views } from '../results/views.js';

type Source = SampleRecord['source'];

export interface MemoryRow {
  env: string;
  instances: number;
  runs: number;
  /** mean over runs of the peak per worker, bytes; null where the view did not see it */
  pss: number | null;
  uss: number | null;
  viewUsed: number | null;
  viewSource: Source | undefined;
  hostPays: number | null;
  hostSource: Source | undefined;
}

/** Where the host's cost of one worker shows: a VM's QEMU process, else the worker's own view (cgroup, process). */
function hostSourceOf(run: RunRecord, sources: Set<Source>, views?: Views): Source | undefined {
  const own = workerSourceOf(run, views);
  return own === 'guest' && sources.has('process') ? 'process' : own;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

export function memoryRows(runs: readonly RunRecord[], stats: StatsByRun, views?: Views): MemoryRow[] {
  const ok = runs.filter((r) => !r.warmup && r.status === 'ok');
  type Peaks = { pss: number | null; uss: number | null; used: number | null; host: number | null };
  const peaks = new Map<string, Peaks>();
  const sourcesOf = (r: RunRecord) =>
    new Set((stats.get(r.run) ?? []).map((s) => s.source).filter((s) => s !== 'host'));
  for (const r of ok) {
    const own = statsOf(stats, r.run, workerSourceOf(r, views));
    const host = statsOf(stats, r.run, hostSourceOf(r, sourcesOf(r), views));
    peaks.set(r.run, {
      pss: own?.pssMax ?? null,
      uss: own?.ussMax ?? null,
      used: own?.usedMax ?? null,
      host: host?.usedMax ?? null,
    });
  }
  const cells = new Map<string, RunRecord[]>();
  for (const r of ok) {
    const key = `${r.env}\0${r.instances}`;
    cells.set(key, [...(cells.get(key) ?? []), r]);
  }
  const rows: MemoryRow[] = [];
  for (const group of cells.values()) {
    const of = (k: keyof Peaks) =>
      mean(group.map((r) => peaks.get(r.run)?.[k] ?? null).filter((v): v is number => v !== null && v >= 0));
    const first = group[0]!;
    rows.push({
      env: first.env,
      instances: first.instances,
      runs: group.length,
      pss: of('pss'),
      uss: of('uss'),
      viewUsed: of('used'),
      viewSource: workerSourceOf(first, views),
      hostPays: of('host'),
      hostSource: hostSourceOf(first, sourcesOf(first), views),
    });
  }
  return rows.sort((a, b) => a.env.localeCompare(b.env) || a.instances - b.instances);
}

/** What each source's "used memory" is, for the table's labels. */
export const USED_MEANS: Record<string, string> = {
  guest: 'guest MemTotal − MemAvailable',
  cgroup: 'cgroup usage − inactive file',
  'docker-stats': 'Docker stats usage − inactive file',
  process: 'RSS',
};
