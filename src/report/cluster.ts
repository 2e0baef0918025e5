// The cluster jobs' own view (docs/cluster.md): within one job, how busy each worker of the
// environment was and what it sent and received — a straggler shows as a worker far busier
// than the median, a shuffle as bytes on every worker. From each run's own-view samples,
// reduced per run × worker (in memory here, in SQL in duckSamples.ts); roles placed on the
// host (the scheduler, the client) are left out.

import type { RunRecord, SampleRecord } from '../results/types.js';
import { type Views, workerSourceOf } from '../results/views.js';
import { measuredOk } from './aggregate.js';
import type { Table } from './html.js';

/** One worker over one run: mean cores used from the barrier to the makespan, bytes received + sent from the barrier on. */
export interface WorkerTotal {
  run: string;
  worker: string;
  cores: number | null;
  netBytes: number | null;
}

/** The reference over sample objects. Pure. */
export function workerTotals(
  runs: readonly RunRecord[],
  samples: readonly SampleRecord[],
  views?: Views,
): WorkerTotal[] {
  const byRun = new Map(measuredOk(runs).map((r) => [r.run, { own: workerSourceOf(r, views), end: r.makespanS }]));
  const acc = new Map<string, { run: string; worker: string; cores: number; n: number; net: number; netN: number }>();
  for (const s of samples) {
    const r = byRun.get(s.run);
    if (!r || s.source !== r.own) continue;
    const key = `${s.run}\0${s.worker}`;
    const a = acc.get(key) ?? { run: s.run, worker: s.worker, cores: 0, n: 0, net: 0, netN: 0 };
    acc.set(key, a);
    if (r.end !== null && s.t >= 0 && s.t <= r.end && s.cores !== null && s.cores !== undefined) {
      a.cores += s.cores;
      a.n++;
    }
    if (s.t >= 0 && s.netRxBytes !== null && s.netRxBytes !== undefined) {
      a.net += s.netRxBytes + (s.netTxBytes ?? 0);
      a.netN++;
    }
  }
  return [...acc.values()]
    .map((a) => ({ run: a.run, worker: a.worker, cores: a.n ? a.cores / a.n : null, netBytes: a.netN ? a.net : null }))
    .sort((x, y) => x.run.localeCompare(y.run) || x.worker.localeCompare(y.worker));
}

/** From the run's start to its last environment worker ready (for Dask: registered with the scheduler). Pure. */
export function clusterStartUpS(run: RunRecord): number | null {
  const ready = run.workers.filter((w) => !w.onHost).map((w) => w.readyS);
  return ready.length && ready.every((x) => x !== null && x !== undefined) ? Math.max(...(ready as number[])) : null;
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Per environment × cluster size, over the measured runs of a workload whose roles include
 * some on the host (a cluster job): the job time, each environment worker's busy CPU-seconds
 * within it (mean cores × makespan) — the busiest, the median and their ratio, the straggler
 * factor — and the bytes each worker received and sent. Null when no run is a cluster job. Pure.
 */
export function clusterTable(
  runs: readonly RunRecord[],
  totals: readonly WorkerTotal[],
  label: (env: string) => string,
): Table | null {
  const jobs = measuredOk(runs).filter((r) => r.workers.some((w) => w.onHost) && r.makespanS !== null);
  if (!jobs.length) return null;
  const of = new Map(totals.map((t) => [`${t.run}\0${t.worker}`, t]));
  const cells = new Map<string, { env: string; instances: number; runs: RunRecord[] }>();
  for (const r of jobs) {
    const key = `${r.env}\0${r.instances}`;
    const c = cells.get(key) ?? { env: r.env, instances: r.instances, runs: [] };
    c.runs.push(r);
    cells.set(key, c);
  }
  const ordered = [...cells.values()].sort(
    (a, b) => a.instances - b.instances || label(a.env).localeCompare(label(b.env)),
  );
  const rows = ordered.map((c) => {
    const busiest: number[] = [];
    const middle: number[] = [];
    const net: number[] = [];
    const startUp = c.runs.flatMap((r) => clusterStartUpS(r) ?? []);
    for (const r of c.runs) {
      const mine = r.workers.filter((w) => !w.onHost).map((w) => of.get(`${r.run}\0${w.worker}`));
      const busy = mine.flatMap((t) => (t?.cores !== null && t?.cores !== undefined ? [t.cores * r.makespanS!] : []));
      if (busy.length) {
        busiest.push(Math.max(...busy));
        middle.push(median(busy));
      }
      net.push(
        ...mine.flatMap((t) => (t?.netBytes !== null && t?.netBytes !== undefined ? [t.netBytes / 2 ** 20] : [])),
      );
    }
    const f = (x: number, d = 2) => x.toFixed(d);
    return [
      label(c.env),
      c.instances,
      c.runs.length,
      startUp.length ? f(mean(startUp)) : '–',
      f(mean(c.runs.map((r) => r.makespanS!))),
      busiest.length ? f(mean(busiest)) : '–',
      middle.length ? f(mean(middle)) : '–',
      busiest.length && mean(middle) > 0 ? f(mean(busiest.map((b, i) => b / middle[i]!))) : '–',
      net.length ? f(mean(net), 1) : '–',
      net.length ? `${f(Math.min(...net), 1)}–${f(Math.max(...net), 1)}` : '–',
    ];
  });
  return {
    title: 'Cluster jobs: every worker within the job',
    columns: [
      'environment',
      'workers',
      'runs',
      'start-up s (mean)',
      'job s (mean)',
      'busiest worker CPU-s',
      'median worker CPU-s',
      'straggler (busiest ÷ median)',
      'MiB per worker (rx + tx)',
      'range',
    ],
    rows,
    note: "One job per run across the environment's workers (the scheduler and the client on the host are left out). The start-up is the time from the run's start to the last of its workers registered with the scheduler — the machines (containers, VMs, namespaces) started and the engine up on each: the paper's Table I puts the start of a 3-node Spark cluster at 5 minutes, for VMs and containers alike, after 28 (VM) and 6 (container) minutes of image work that versus does once per image. A worker's CPU-seconds are its own view's mean cores used from the barrier to the end of the job times the job's time; the straggler factor is the busiest worker's over the median's, per run, then the mean — 1 when the work was even. The network is what each worker's own interfaces received and sent over the run: the job's shuffles, its data to and from the scheduler and the client.",
  };
}
