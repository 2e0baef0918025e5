// The cluster table: every environment worker's busy time within the job and its traffic,
// the roles on the host left out; the same totals from sample objects as the SQL gives
// (test/sameAggregates.ts holds the two paths together on the synthetic result sets).
import { describe, expect, it } from 'vitest';
import { clusterStartUpS, clusterTable, workerTotals } from '../../src/report/cluster.js';
import type { RunRecord, SampleRecord, WorkerRecord } from '../../src/results/types.js';

const worker = (name: string, over: Partial<WorkerRecord> = {}) => ({ worker: name, ...over }) as WorkerRecord;
const run = (name: string, makespanS: number): RunRecord =>
  ({
    run: name,
    env: 'native',
    instances: 2,
    repetition: 1,
    warmup: false,
    status: 'ok',
    makespanS,
    workerSource: 'process',
    workers: [
      worker('native-0', { role: 'worker', readyS: makespanS / 10 }),
      worker('native-1', { role: 'worker', readyS: makespanS / 5 }),
      worker('host-0', { role: 'scheduler', onHost: true, readyS: 99 }),
      worker('host-1', { role: 'client', onHost: true }),
    ],
  }) as RunRecord;
const sample = (r: string, w: string, t: number, cores: number, net: number | null, source = 'process') =>
  ({ run: r, worker: w, t, cores, netRxBytes: net, netTxBytes: net, source }) as unknown as SampleRecord;

describe('the cluster table', () => {
  const runs = [run('r1', 10), run('r2', 20)];
  const samples = [
    // before the barrier and after the job: no CPU counted, traffic after it is
    sample('r1', 'native-0', -1, 9, 5),
    sample('r1', 'native-0', 1, 1, 2 ** 20),
    sample('r1', 'native-0', 2, 1, 2 ** 20),
    sample('r1', 'native-1', 1, 0.5, 2 ** 19),
    sample('r1', 'native-1', 11, 2, 2 ** 19),
    sample('r1', 'host-0', 1, 3, 2 ** 30),
    sample('r1', 'native-1', 1, 5, 2 ** 30, 'host'),
    sample('r2', 'native-0', 1, 1, null),
    sample('r2', 'native-1', 1, 1, null),
  ];
  it('reduces each worker of each run in its own view', () => {
    expect(workerTotals(runs, samples)).toEqual([
      { run: 'r1', worker: 'host-0', cores: 3, netBytes: 2 ** 31 },
      { run: 'r1', worker: 'native-0', cores: 1, netBytes: 2 ** 22 },
      { run: 'r1', worker: 'native-1', cores: 0.5, netBytes: 2 ** 21 },
      { run: 'r2', worker: 'native-0', cores: 1, netBytes: null },
      { run: 'r2', worker: 'native-1', cores: 1, netBytes: null },
    ]);
  });
  it('shows the busiest and the median worker, their ratio and the traffic per worker, not the host roles', () => {
    const t = clusterTable(runs, workerTotals(runs, samples), (e) => e.toUpperCase())!;
    // r1: busy 10 and 5 CPU-s (median 7.5, ratio 1.333); r2: 20 and 20 (ratio 1); the last
    // environment worker ready at 2 and 4 s (the scheduler on the host is not counted)
    expect(t.rows).toEqual([['NATIVE', 2, 2, '3.00', '15.00', '15.00', '13.75', '1.17', '3.0', '2.0–4.0']]);
    expect(clusterTable([{ ...runs[0]!, workers: runs[0]!.workers.slice(0, 2) }], [], String)).toBeNull();
    // a worker that never said ready: no start-up for that run
    const unready = { ...runs[0]!, workers: runs[0]!.workers.map((w, i) => (i ? w : { ...w, readyS: null })) };
    expect(clusterStartUpS(unready)).toBeNull();
    expect(clusterStartUpS(runs[1]!)).toBe(4);
  });
});
