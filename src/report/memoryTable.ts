// Memory per environment and density, three ways: the comparable workload PSS/USS, each
// view's own "used", and what the host pays for a worker. Pure.
import { workerSourceOf } from '../results/metrics.js';
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

export function memoryRows(runs: readonly RunRecord[], samples: readonly SampleRecord[], views?: Views): MemoryRow[] {
  const ok = new Map(runs.filter((r) => !r.warmup && r.status === 'ok').map((r) => [r.run, r]));
  type Peaks = { pss: number; uss: number; used: number; host: number; sources: Set<Source> };
  const peaks = new Map<string, Peaks>();
  for (const s of samples)
    if (ok.has(s.run) && s.source !== 'host') {
      const p = peaks.get(s.run) ?? { pss: -1, uss: -1, used: -1, host: -1, sources: new Set<Source>() };
      p.sources.add(s.source);
      peaks.set(s.run, p);
    }
  for (const s of samples) {
    const run = ok.get(s.run);
    const p = peaks.get(s.run);
    if (!run || !p || s.source === 'host') continue;
    const own = workerSourceOf(run, views);
    if (s.source === own) {
      p.pss = Math.max(p.pss, s.memPssBytes ?? -1);
      p.uss = Math.max(p.uss, s.memUssBytes ?? -1);
      p.used = Math.max(p.used, s.memUsedBytes ?? -1);
    }
    if (s.source === hostSourceOf(run, p.sources, views)) p.host = Math.max(p.host, s.memUsedBytes ?? -1);
  }
  const cells = new Map<string, RunRecord[]>();
  for (const r of ok.values()) {
    const key = `${r.env}\0${r.instances}`;
    cells.set(key, [...(cells.get(key) ?? []), r]);
  }
  const rows: MemoryRow[] = [];
  for (const group of cells.values()) {
    const of = (k: keyof Omit<Peaks, 'sources'>) =>
      mean(group.map((r) => peaks.get(r.run)?.[k] ?? -1).filter((v) => v >= 0));
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
      hostSource: hostSourceOf(first, peaks.get(first.run)?.sources ?? new Set(), views),
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
