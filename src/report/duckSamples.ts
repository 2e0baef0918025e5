// The SampleSource of a compacted result set: every aggregation over the samples
// runs in DuckDB over the Parquet files, and only aggregated rows (a few thousand
// at most) reach JavaScript. Each query mirrors its reference in aggregate.ts,
// crossCheck.ts or sampleStats.ts; a test holds both to 1e-9.
import { type Duck, lit } from '../results/columnar/duck.js';
import type { RunRecord, SampleRecord } from '../results/types.js';
import { envRank, type Views } from '../results/views.js';
import type { DrillRow } from './aggregate.js';
import {
  cellKey,
  coarsestBin,
  drillDownRuns,
  envLabel,
  type GapSpan,
  measuredOk,
  type SeriesPoint,
  type View,
  widthFor,
  workerSourceOf,
} from './aggregate.js';
import type { WorkerTotal } from './cluster.js';
import { type CrossCheckRow, crossCheckRow } from './crossCheck.js';
import { atHost, type SampleSource, type SectionSamples } from './sampleSource.js';

const num = (x: number | null) => (x === null ? 'NULL' : String(x));

/** The runs a query looks at, as a temporary table: name, cell, own source, makespan, measured-and-ok. */
async function selectRuns(duck: Duck, runs: readonly RunRecord[], views?: Views): Promise<void> {
  await duck.run(
    'CREATE OR REPLACE TEMP TABLE sel (run VARCHAR, env VARCHAR, instances INTEGER, own VARCHAR, makespan DOUBLE, ok BOOLEAN, w DOUBLE)',
  );
  const ok = new Set(measuredOk(runs).map((r) => r.run));
  for (let i = 0; i < runs.length; i += 500) {
    const values = runs
      .slice(i, i + 500)
      .map(
        (r) =>
          `(${lit(r.run)}, ${lit(r.env)}, ${r.instances}, ${lit(workerSourceOf(r, views) ?? '')}, ${num(r.makespanS)}, ${ok.has(r.run)}, NULL)`,
      );
    await duck.run(`INSERT INTO sel VALUES ${values.join(', ')}`);
  }
}

/** The samples of the view: the host's, or each run's own worker source. */
const inView = (view: View) => (view === 'host' ? "s.source = 'host'" : 's.source = sel.own');

const CPU_SERIES = ['User CPU', 'System CPU', 'Wait CPU', 'Steal CPU'];
const MEMORY_SERIES = ['Workload PSS', 'Workload USS', 'Used memory', 'Cached memory'];

function cpuColumns(view: View): string {
  const wait = view === 'worker' ? 'coalesce(s.iowait, hw.wait)' : 's.iowait';
  return `s.user AS "User CPU", s.system AS "System CPU", ${wait} AS "Wait CPU", CASE WHEN s.steal > 0 THEN s.steal END AS "Steal CPU"`;
}

const GB = 1073741824;
const MEMORY_COLUMNS = `CASE WHEN s.memPssBytes IS NOT NULL THEN s.memPssBytes / ${GB} END AS "Workload PSS",
  CASE WHEN s.memPssBytes IS NOT NULL THEN s.memUssBytes / ${GB} END AS "Workload USS",
  CASE WHEN s.memPssBytes IS NULL THEN s.memUsedBytes / ${GB} END AS "Used memory",
  CASE WHEN s.memPssBytes IS NULL THEN s.memCachedBytes / ${GB} END AS "Cached memory"`;

const NETWORK_SERIES = ['Received', 'Sent'];
const networkColumns = (intervalS: number) =>
  `s.netRxBytes / ${intervalS} / 1e6 AS "Received", s.netTxBytes / ${intervalS} / 1e6 AS "Sent"`;

/** timeSeries() in SQL: per run and bin the mean over its samples, then per cell and bin the mean, min and max over runs. */
async function series(
  duck: Duck,
  view: View,
  columns: string,
  names: string[],
  views?: Views,
  /** the host view of one remote host only */
  host?: string,
) {
  const rows = await duck.all<{
    env: string;
    instances: number;
    bin: number;
    w: number;
    series: string;
    value: number;
    lo: number;
    hi: number;
  }>(`
    WITH hw AS (
      SELECT s.run, floor(s.t / sel.w) AS bin, arg_max(s.iowait, s.t) AS wait
      FROM samples s JOIN sel USING (run) WHERE sel.ok AND s.source = 'host' GROUP BY ALL
    ), picked AS (
      SELECT s.run, sel.env, sel.instances, sel.w, floor(s.t / sel.w) AS bin, ${columns}
      FROM samples s JOIN sel USING (run)
      LEFT JOIN hw ON hw.run = s.run AND hw.bin = floor(s.t / sel.w)
      WHERE sel.ok AND ${inView(view)}${host !== undefined ? ` AND s.worker = ${lit(host)}` : ''}
    ), per_run AS (
      SELECT run, env, instances, w, bin, series, avg(value) AS value
      FROM (UNPIVOT picked ON ${names.map((n) => `"${n}"`).join(', ')} INTO NAME series VALUE value)
      WHERE isfinite(value) GROUP BY ALL
    )
    SELECT env, instances, w, bin, series, avg(value) AS value, min(value) AS lo, max(value) AS hi
    FROM per_run GROUP BY ALL`);
  const rank = (s: string) => names.indexOf(s);
  return rows
    .map(
      (r): SeriesPoint => ({
        env: r.env,
        envLabel: envLabel(r.env, views),
        instances: r.instances,
        t: (r.bin + 0.5) * r.w,
        series: r.series,
        value: r.value,
        lo: r.lo,
        hi: r.hi,
      }),
    )
    .sort(
      (a, b) =>
        envRank(a.env, views) - envRank(b.env, views) ||
        a.instances - b.instances ||
        a.t - b.t ||
        rank(a.series) - rank(b.series),
    );
}

async function gaps(duck: Duck, view: View, views?: Views): Promise<GapSpan[]> {
  const rows = await duck.all<{ env: string; instances: number; run: string; worker: string; t0: number; t1: number }>(`
    SELECT sel.env, sel.instances, s.run, s.worker, s.t - s.gapS AS t0, s.t AS t1
    FROM samples s JOIN sel USING (run) WHERE sel.ok AND s.gapS > 0 AND ${inView(view)}`);
  return rows
    .map((r): GapSpan => ({ gap: true, ...r, envLabel: envLabel(r.env, views) }))
    .sort((a, b) => envRank(a.env, views) - envRank(b.env, views) || a.instances - b.instances || a.t0 - b.t0);
}

async function drill(duck: Duck, run: RunRecord, source: string, binS: number): Promise<DrillRow[]> {
  const rows = await duck.all<{ worker: string; bin: number; series: string; value: number }>(`
    SELECT * FROM (SELECT worker, bin, series, sum(value) / count(*) AS value FROM (
      UNPIVOT (
        SELECT s.worker, floor(s.t / ${binS}) AS bin, s.user AS "User CPU", s.system AS "System CPU",
               s.iowait AS "Wait CPU", CASE WHEN s.steal > 0 THEN s.steal END AS "Steal CPU"
        FROM samples s WHERE s.run = ${lit(run.run)} AND s.source = ${lit(source)}
      ) ON "User CPU", "System CPU", "Wait CPU", "Steal CPU" INTO NAME series VALUE value
    ) GROUP BY ALL) ORDER BY worker, bin, list_position(['User CPU', 'System CPU', 'Wait CPU', 'Steal CPU'], series)`);
  return rows.map((r) => ({
    kind: 'sample',
    worker: r.worker,
    t: (r.bin + 0.5) * binS,
    series: r.series,
    value: r.value,
  }));
}

/** sourceCrossCheck() in SQL: per worker the window of b's samples inside the run, both sources' means over it. */
async function crossCheck(duck: Duck, a: string, b: string): Promise<CrossCheckRow[]> {
  const rows = await duck.all<{
    run: string;
    env: string;
    instances: number;
    source: string;
    total: number;
    n: number;
  }>(`
    WITH win AS (
      SELECT s.run, s.worker, min(s.t) AS t0, max(s.t) AS t1
      FROM samples s JOIN sel USING (run)
      WHERE sel.ok AND sel.makespan IS NOT NULL AND s.source = ${lit(b)} AND s.t >= 0 AND s.t <= sel.makespan
      GROUP BY ALL HAVING count(*) >= 2
    )
    SELECT s.run, sel.env, sel.instances, s.source, sum(s.user + s.system) AS total, count(*) AS n
    FROM samples s JOIN win ON s.run = win.run AND s.worker = win.worker JOIN sel ON sel.run = s.run
    WHERE s.source IN (${lit(a)}, ${lit(b)}) AND s.t > win.t0 AND s.t <= win.t1 GROUP BY ALL`);
  const byRun = new Map<string, { env: string; instances: number; a?: [number, number]; b?: [number, number] }>();
  for (const r of rows) {
    const e = byRun.get(r.run) ?? { env: r.env, instances: r.instances };
    e[r.source === a ? 'a' : 'b'] = [r.total, r.n];
    byRun.set(r.run, e);
  }
  const out: CrossCheckRow[] = [];
  for (const [run, e] of byRun) if (e.a && e.b) out.push(crossCheckRow({ run, ...e }, [a, ...e.a], [b, ...e.b]));
  return out.sort((x, y) => x.run.localeCompare(y.run));
}

/** The host view of each remote host apart (sampleSource.ts: the same over objects). */
async function perHost(duck: Duck, views?: Views): Promise<SeriesPoint[]> {
  const hosts = await duck.all<{ worker: string }>(
    "SELECT DISTINCT s.worker FROM samples s JOIN sel USING (run) WHERE s.source = 'host' AND s.worker <> 'host' ORDER BY 1",
  );
  const out: SeriesPoint[] = [];
  for (const { worker } of hosts)
    out.push(...atHost(await series(duck, 'host', cpuColumns('host'), CPU_SERIES, views, worker), worker));
  return out;
}

/** workerTotals() (cluster.ts) in SQL: each measured run's workers in its own view. */
async function totals(duck: Duck): Promise<WorkerTotal[]> {
  const rows = await duck.all<{ run: string; worker: string; cores: number | null; net: number | null; netN: number }>(`
    SELECT s.run, s.worker,
      avg(CASE WHEN s.t >= 0 AND s.t <= sel.makespan THEN s.cores END) AS cores,
      sum(CASE WHEN s.t >= 0 AND s.netRxBytes IS NOT NULL THEN s.netRxBytes + coalesce(s.netTxBytes, 0) END) AS net,
      count(CASE WHEN s.t >= 0 THEN s.netRxBytes END) AS netN
    FROM samples s JOIN sel USING (run) WHERE sel.ok AND s.source = sel.own GROUP BY ALL ORDER BY 1, 2`);
  return rows.map((r) => ({
    run: r.run,
    worker: r.worker,
    cores: r.cores,
    netBytes: Number(r.netN) ? Number(r.net) : null,
  }));
}

/** cellBinWidths() over the section's samples, written into sel.w: each cell's own width; the widths by cell. */
async function binCells(duck: Duck, intervalS: number): Promise<Map<string, number>> {
  const rows = await duck.all<{ env: string; instances: number; lo: number | null; hi: number | null }>(
    'SELECT sel.env, sel.instances, min(s.t) AS lo, max(s.t) AS hi FROM sel LEFT JOIN samples s USING (run) GROUP BY ALL',
  );
  const widths = new Map<string, number>();
  for (const r of rows) {
    const w = widthFor(Math.max(0, r.hi ?? 0) - Math.min(0, r.lo ?? 0), intervalS);
    widths.set(cellKey(r.env, r.instances), w);
    await duck.run(`UPDATE sel SET w = ${w} WHERE env = ${lit(r.env)} AND instances = ${r.instances}`);
  }
  return widths;
}

/** A SampleSource over a `samples` view the engine already has (see openColumnar). */
export function duckSamples(duck: Duck): SampleSource {
  return {
    kind: 'parquet',
    async section(runs, intervalS, views) {
      await selectRuns(duck, runs, views);
      const widths = await binCells(duck, intervalS);
      const drills: Record<string, DrillRow[]> = {};
      for (const run of drillDownRuns(runs, views))
        drills[run.run] = await drill(
          duck,
          run,
          workerSourceOf(run, views)!,
          widths.get(cellKey(run.env, run.instances))!,
        );
      const [docker] = await duck.all<{ n: number }>(
        "SELECT count(*) AS n FROM samples s JOIN sel USING (run) WHERE s.source = 'docker-stats'",
      );
      const out: SectionSamples = {
        binS: coarsestBin(widths, intervalS),
        cpuWorker: await series(duck, 'worker', cpuColumns('worker'), CPU_SERIES, views),
        cpuHost: await series(duck, 'host', cpuColumns('host'), CPU_SERIES, views),
        cpuPerHost: await perHost(duck, views),
        memory: await series(duck, 'worker', MEMORY_COLUMNS, MEMORY_SERIES, views),
        network: await series(duck, 'worker', networkColumns(intervalS), NETWORK_SERIES, views),
        workerGaps: await gaps(duck, 'worker', views),
        hostGaps: await gaps(duck, 'host', views),
        drill: drills,
        crossCheck: await crossCheck(duck, 'cgroup' satisfies SampleRecord['source'], 'docker-stats'),
        dockerStats: (docker?.n ?? 0) > 0,
        workerTotals: await totals(duck),
      };
      return out;
    },
  };
}
