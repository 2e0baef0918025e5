// The per-run statistics (results/sampleStats.ts) in SQL over the compacted samples:
// the same rows as sourceStats over objects, a test holds both to 1e-9.
import type { SourceStats } from '../sampleStats.js';
import type { RunRecord } from '../types.js';
import { type Duck, lit } from './duck.js';

const num = (x: number | null) => (x === null ? 'NULL' : String(x));

/** Per run x source: sample count, CPU over the run's window (barrier to makespan), memory peaks. */
export async function duckRunStats(duck: Duck, runs: readonly RunRecord[]): Promise<SourceStats[]> {
  await duck.run('CREATE OR REPLACE TEMP TABLE stat_runs (run VARCHAR, makespan DOUBLE)');
  for (let i = 0; i < runs.length; i += 500) {
    const values = runs.slice(i, i + 500).map((r) => `(${lit(r.run)}, ${num(r.makespanS)})`);
    await duck.run(`INSERT INTO stat_runs VALUES ${values.join(', ')}`);
  }
  const inWindow = 'r.makespan IS NOT NULL AND s.t >= 0 AND s.t <= r.makespan';
  return duck.all<SourceStats>(`
    SELECT s.run, s.source, count(*) AS n,
      coalesce(sum(CASE WHEN ${inWindow} THEN s.user + s.system END), 0) AS "cpuSum",
      count(CASE WHEN ${inWindow} THEN 1 END) AS "cpuN",
      max(CASE WHEN ${inWindow} THEN s.user + s.system END) AS "cpuMax",
      max(coalesce(s.memPssBytes, s.memUsedBytes)) AS "memMax",
      max(s.memPssBytes) AS "pssMax", max(s.memUssBytes) AS "ussMax", max(s.memUsedBytes) AS "usedMax"
    FROM samples s JOIN stat_runs r USING (run) GROUP BY s.run, s.source ORDER BY s.run, s.source`);
}
