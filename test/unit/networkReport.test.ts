// The report's network section: cells per work, environment and mode, the overhead
// against native host oriented by each metric's direction, and no anchor said plainly.
import { describe, expect, it } from 'vitest';
import { networkCells, networkTables } from '../../src/report/network.js';
import type { MetricDefs } from '../../src/results/metrics.js';
import type { RunRecord, WorkloadMeta } from '../../src/results/types.js';

const defs: MetricDefs = {
  sockperf: {
    rps: { name: 'rps', unit: 'msg/s', better: 'higher', headline: true, description: '' },
    p50Us: { name: 'p50Us', unit: 'µs', better: 'lower', description: '' },
    retries: { name: 'retries', unit: 'tx', better: 'lower', description: '' },
  },
};

const views = {
  docker: { label: 'Containers (docker)', short: 'container', kind: 'container', color: '#1', workerSource: 'cgroup' },
  native: { label: 'Native', short: 'native', kind: 'baseline', color: '#2', workerSource: 'process' },
} as const;

const meta = (id: string) =>
  ({
    id,
    name: id,
    reference: {
      source: 'Felter et al. 2014',
      benchmark: 'netperf TCP_RR',
      findings: { Docker: 'about 2x (NAT)', KVM: '1.8x' },
    },
  }) as unknown as WorkloadMeta;

let n = 0;
function run(
  env: string,
  network: 'host' | 'bridge' | 'none',
  rps: number,
  p50: number,
  workload = 'sockperf',
): RunRecord {
  const worker = (role: string, metrics: Record<string, number>) => ({ worker: `${env}-${role}`, role, metrics });
  return {
    run: `r${n++}`,
    workload,
    env,
    instances: 2,
    warmup: false,
    status: 'ok',
    network,
    workKey: 'sockperf@1:x',
    // the server reports no client metric: the mean is the client's
    workers: [worker('server', {}), worker('client', { rps, p50Us: p50, retries: 1 })],
  } as unknown as RunRecord;
}

describe('the network section', () => {
  const runs = [
    ...[100, 100, 100].map((x) => run('native', 'host', x, 20, 'sockperf-host')),
    ...[50, 50, 50].map((x) => run('docker', 'bridge', x, 40)),
    ...[80, 80, 80].map((x) => run('native', 'bridge', x, 25)),
    run('docker', 'none', 1, 1),
  ];

  it('one cell per environment and mode for the headline and each latency; ratios against native host', () => {
    const cells = networkCells(runs, defs, views);
    const at = (env: string, mode: string, metric: string) =>
      cells.find((c) => c.env === env && c.mode === mode && c.metric === metric)!;
    expect(cells.map((c) => `${c.metric} ${c.env} ${c.mode}`)).toEqual([
      'rps native host',
      'rps docker bridge',
      'rps native bridge',
      'p50Us native host',
      'p50Us docker bridge',
      'p50Us native bridge',
    ]);
    // each suite entry its own row; the anchor from the host twin that did the same work
    expect(cells.map((c) => c.workload).slice(0, 3)).toEqual(['sockperf-host', 'sockperf', 'sockperf']);
    // a throughput: host ÷ this; a latency: this ÷ host
    expect(at('docker', 'bridge', 'rps').overhead!.estimate).toBeCloseTo(2, 12);
    expect(at('docker', 'bridge', 'p50Us').overhead!.estimate).toBeCloseTo(2, 12);
    expect(at('native', 'bridge', 'p50Us').overhead!.estimate).toBeCloseTo(1.25, 12);
    expect(at('native', 'host', 'rps').overhead!.estimate).toBe(1);
    expect(at('native', 'bridge', 'rps')).toMatchObject({ mean: 80, lo: 80, hi: 80, n: 3 });
  });

  it('never pools two entries of the same work: each its own row, mean and interval', () => {
    const pipelined = [120, 120, 120].map((x) => run('docker', 'bridge', x, 10, 'sockperf-pipelined'));
    const cells = networkCells([...runs, ...pipelined], defs, views).filter(
      (c) => c.env === 'docker' && c.mode === 'bridge' && c.metric === 'rps',
    );
    expect(cells.map((c) => [c.workload, c.mean])).toEqual([
      ['sockperf', 50],
      ['sockperf-pipelined', 120],
    ]);
  });

  it('without native host runs there is no overhead, and the table says how to get one', () => {
    const bridgeOnly = runs.filter((r) => r.network !== 'host');
    expect(networkCells(bridgeOnly, defs, views).every((c) => c.overhead === null)).toBe(true);
    const [measured, reference] = networkTables(bridgeOnly, defs, views, [meta('sockperf'), meta('other')]);
    expect(measured!.note).toMatch(/--network host/);
    // the reference is the manifests' own: one row per workload that cites one and ran here
    expect(reference!.title).toBe('Reference: Felter et al. 2014');
    expect(reference!.columns).toEqual(['workload', 'their benchmark', 'Docker', 'KVM']);
    expect(reference!.rows).toEqual([['sockperf', 'netperf TCP_RR', 'about 2x (NAT)', '1.8x']]);
    expect(networkTables(bridgeOnly, defs, views)).toHaveLength(1);
  });

  it('no section for runs without a network', () => {
    expect(networkTables([run('docker', 'none', 1, 1)], defs)).toEqual([]);
  });
});
