// Measured ratios against the published ranges the manifests cite: the verdict at each
// edge, the anchor each range names (native in the host's namespace, or containers), and
// manifests whose ranges name no finding or metric refused.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { publishedComparisons, publishedTable, publishedWarning, verdictOf } from '../../src/report/published.js';
import type { MetricDefs } from '../../src/results/metrics.js';
import type { RunRecord, WorkloadMeta } from '../../src/results/types.js';
import { readManifest } from '../../src/workload/manifest.js';

const defs: MetricDefs = {
  redis: { getPerSecond: { name: 'getPerSecond', unit: 'req/s', better: 'higher', headline: true, description: '' } },
};

const views = {
  docker: { label: 'Containers (docker)', short: 'container', kind: 'container', color: '#1', workerSource: 'cgroup' },
  gvisor: { label: 'Sandboxes (gVisor)', short: 'gVisor', kind: 'sandbox', color: '#3', workerSource: 'cgroup' },
  native: { label: 'Native', short: 'native', kind: 'baseline', color: '#2', workerSource: 'process' },
} as const;

const redis = {
  id: 'redis',
  name: 'redis',
  reference: {
    source: 'Felter',
    benchmark: 'Redis',
    findings: { Docker: '≈ 1', gVisor: '2.36x' },
    ranges: [
      { finding: 'Docker', kinds: ['container'], lo: 1, hi: 1.11 },
      { finding: 'gVisor', source: 'gVisor', kinds: ['sandbox'], against: 'container', lo: 1.2, hi: 2.36 },
    ],
  },
} as unknown as WorkloadMeta;

let n = 0;
function run(env: string, network: 'host' | 'bridge', getPerSecond: number): RunRecord {
  return {
    run: `r${n++}`,
    workload: 'redis',
    env,
    instances: 2,
    warmup: false,
    status: 'ok',
    network,
    workKey: 'redis@1:tiny',
    workers: [
      { worker: `${env}-server`, role: 'server', metrics: {} },
      { worker: `${env}-client`, role: 'client', metrics: { getPerSecond } },
    ],
  } as unknown as RunRecord;
}

describe('a verdict against a published range', () => {
  const range = { lo: 1.2, hi: 2.36 };
  it('is within when the estimate is, whatever the interval', () => {
    expect(verdictOf({ estimate: 1.2, lo: 0.5, hi: 9 }, range)).toBe('within');
    expect(verdictOf({ estimate: 2.36, lo: 2.3, hi: 2.4 }, range)).toBe('within');
  });
  it('is above or below only when the whole interval misses the range', () => {
    expect(verdictOf({ estimate: 40, lo: 38, hi: 43 }, range)).toBe('above');
    expect(verdictOf({ estimate: 1.05, lo: 1.0, hi: 1.1 }, range)).toBe('below');
    expect(verdictOf({ estimate: 2.5, lo: 2.0, hi: 3.0 }, range)).toBe('near');
  });
  it('has no upper end when none was published', () => {
    expect(verdictOf({ estimate: 9, lo: 8, hi: 10 }, { lo: 1.67, hi: null })).toBe('within');
    expect(verdictOf({ estimate: 1.2, lo: 1.1, hi: 1.3 }, { lo: 1.67, hi: null })).toBe('below');
  });
});

describe('measured ratios beside the published ones', () => {
  const runs = [
    ...[1000, 1000, 1000].map((x) => run('native', 'host', x)),
    ...[900, 1000, 950].map((x) => run('native', 'bridge', x)),
    ...[950, 1000, 1050].map((x) => run('docker', 'bridge', x)),
    ...[24, 25, 26].map((x) => run('gvisor', 'bridge', x)),
  ];
  const out = publishedComparisons(runs, defs, [redis], views);

  it('takes a container against native in the host namespace, a sandbox against containers on its own network', () => {
    const docker = out.find((c) => c.env === 'docker')!;
    expect(docker.against).toBe('native host');
    expect(docker.estimate).toBeCloseTo(1, 6);
    expect(docker.verdict).toBe('within');
    const gvisor = out.find((c) => c.env === 'gvisor')!;
    expect(gvisor.against).toBe('docker bridge');
    expect(gvisor.estimate).toBeCloseTo(40, 6);
    expect(gvisor.verdict).toBe('above');
    // native is the anchor, no kind a range speaks for
    expect(out.map((c) => c.env).sort()).toEqual(['docker', 'gvisor']);
  });

  it('marks the outlier in the table and warns of it', () => {
    const table = publishedTable(out, views)!;
    const row = table.rows.find((r) => r[3] === 'Sandboxes (gVisor)')!;
    expect(row.at(-1)).toBe('⚠ above the range');
    expect(table.note).toContain('1 of 2 lie wholly outside');
    expect(publishedWarning(out, views)).toContain('redis gVisor 40.00x against 1.20–2.36');
  });

  it('says nothing where no range applies or nothing was measured against it', () => {
    expect(
      publishedComparisons(
        runs.filter((r) => r.env !== 'native'),
        defs,
        [redis],
        views,
      ).map((c) => c.env),
    ).toEqual(['gvisor']);
    expect(publishedTable([], views)).toBeNull();
    expect(
      publishedWarning(
        out.filter((c) => c.env === 'docker'),
        views,
      ),
    ).toBeNull();
  });
});

describe('a manifest citing ranges', () => {
  const parseManifest = (m: unknown) => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'versus-ranges-')), 'x');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'workload.json'), JSON.stringify(m));
    fs.writeFileSync(path.join(dir, 'x.mjs'), '');
    return readManifest(dir);
  };
  const manifest = (ranges: unknown[]) => ({
    name: 'x',
    version: 1,
    entry: 'x.mjs',
    parameters: {},
    presets: {},
    metrics: { rps: { unit: 'req/s', better: 'higher', headline: true, description: 'r' } },
    reference: { source: 's', benchmark: 'b', findings: { Docker: '1x' }, ranges },
  });
  it('accepts a range on a finding it cites', () => {
    expect(() => parseManifest(manifest([{ finding: 'Docker', kinds: ['container'], lo: 1, hi: null }]))).not.toThrow();
  });
  it('refuses a range on no finding, on an undeclared metric, or upside down', () => {
    expect(() => parseManifest(manifest([{ finding: 'KVM', kinds: ['vm'], lo: 1, hi: 2 }]))).toThrow(
      /KVM is not a finding/,
    );
    expect(() =>
      parseManifest(manifest([{ finding: 'Docker', kinds: ['container'], metric: 'nope', lo: 1, hi: 2 }])),
    ).toThrow(/nope is not a metric/);
    expect(() => parseManifest(manifest([{ finding: 'Docker', kinds: ['container'], lo: 2, hi: 1 }]))).toThrow(
      /hi is below lo/,
    );
  });
});
