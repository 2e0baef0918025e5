import { describe, expect, it } from 'vitest';
import { containerSpec } from '../../src/environments/docker/backend.js';
import { NativeEnvironment } from '../../src/environments/native/backend.js';
import type { ImageManifest } from '../../src/image/manifest.js';
import { IMAGE_SPEC, imageHash, mirrorFromAptSources } from '../../src/image/spec.js';
import { adaptiveRound, cellPrecision, cpusetFor, planRuns, runName } from '../../src/orchestrator/plan.js';
import { estimateRemainingS, formatDuration } from '../../src/orchestrator/progress.js';
import { verifyRun } from '../../src/orchestrator/verify.js';
import { sourceStats, statsByRun } from '../../src/results/sampleStats.js';
import { formatSummaryTable, summarize } from '../../src/results/summary.js';
import type { RunRecord, SampleRecord, WorkerRecord } from '../../src/results/types.js';
import { describe as describeStats, median, stdev } from '../../src/stats/basic.js';
import { meanCiHalfWidthPct, tQuantile975 } from '../../src/stats/tests.js';
import { loadManifest, resolveWorkload, workloadArgs } from '../../src/workload/manifest.js';
import { parseWorkloadLine } from '../../src/workload/protocol.js';
// the backends' views (kinds, sample sources) for results that do not record them, as the CLI has them
import '../../src/compose/registry.js';

describe('workload manifest', () => {
  const m = loadManifest('pagerank');

  it('resolves a preset with overrides and checks them against the manifest', () => {
    const r = resolveWorkload(m, 'tiny', { pages: '1234', iterations: 3 });
    expect(r.params).toMatchObject({ graph: 'pages', pages: 1234, iterations: 3 });
    expect(workloadArgs(r, { threads: 2 })).toContain('--threads=2');
    expect(workloadArgs(r)).toContain('--pages=1234');
  });

  it('keys the computation by every parameter that changes the result, not by threads', () => {
    const a = resolveWorkload(m, 'tiny', {});
    const b = resolveWorkload(m, 'tiny', { threads: 4 });
    const c = resolveWorkload(m, 'tiny', { seed: 2 });
    expect(a.workKey).toBe(b.workKey);
    expect(a.workKey).not.toBe(c.workKey);
  });

  it('names the parameter in errors', () => {
    expect(() => resolveWorkload(m, 'tiny', { pages: 0 })).toThrow(
      'workload.params.pages: must be between 1 and 50000000, not 0',
    );
    expect(() => resolveWorkload(m, 'tiny', { color: 'red' })).toThrow(
      /workload\.params\.color: pagerank has no such parameter/,
    );
    expect(() => resolveWorkload(m, 'huge', {})).toThrow(/workload\.preset: pagerank has no preset "huge"/);
    expect(() => resolveWorkload(m, 'tiny', { graph: 'mesh' })).toThrow(/must be one of pages, rmat, file/);
    expect(() => loadManifest('../etc')).toThrow(/not a workload folder name/);
    expect(() => loadManifest('nosuch')).toThrow(/no workload nosuch/);
  });
});

describe('workload protocol', () => {
  it('parses known events and ignores anything else', () => {
    expect(parseWorkloadLine('{"type":"phase","phase":"load","state":"end","ms":5,"t":1}')).toEqual({
      type: 'phase',
      phase: 'load',
      state: 'end',
      ms: 5,
      t: 1,
    });
    expect(parseWorkloadLine('not json')).toBeNull();
    expect(parseWorkloadLine('{"type":"result"}')).toBeNull();
    expect(parseWorkloadLine('{"type":"phase","phase":1}')).toBeNull();
    const r = parseWorkloadLine(
      '{"type":"result","vertices":3,"edges":3,"iterations":2,"checksum":"ab","verified":true,"ms":{"load":1}}',
    );
    expect(r?.type === 'result' && r.result.checksum).toBe('ab');
  });
});

describe('run plan', () => {
  const base = {
    environments: ['docker', 'native', 'qemu'] as const,
    instances: [1, 2],
    repetitions: 3,
    warmup: 1,
    seed: 1,
  };

  it('expands env x instances x (warm-up + repetitions), warm-ups first', () => {
    const plan = planRuns({ ...base, environments: [...base.environments] });
    expect(plan).toHaveLength(3 * 2 * 4);
    expect(plan.slice(0, 6).every((p) => p.warmup)).toBe(true);
    expect(plan.filter((p) => !p.warmup)).toHaveLength(18);
    expect(plan.map((p) => p.index)).toEqual(plan.map((_, i) => i));
  });

  it('interleaves environments in a seeded order that differs across rounds', () => {
    const a = planRuns({ ...base, environments: [...base.environments] });
    const b = planRuns({ ...base, environments: [...base.environments] });
    expect(a).toEqual(b);
    const orders = new Set<string>();
    for (let i = 0; i < a.length; i += 3)
      orders.add(
        a
          .slice(i, i + 3)
          .map((p) => p.env)
          .join(','),
      );
    expect(orders.size).toBeGreaterThan(1);
  });

  it('names runs and pins CPUs in blocks', () => {
    expect(runName({ index: 0, env: 'docker', instances: 2, repetition: -1, warmup: true })).toBe('001-docker-x2-w1');
    expect(runName({ index: 9, env: 'native', instances: 1, repetition: 0, warmup: false })).toBe('010-native-x1-r1');
    expect(cpusetFor(0, 1, 2)).toEqual([0]);
    expect(cpusetFor(1, 1, 2)).toEqual([1]);
    expect(cpusetFor(2, 1, 2)).toEqual([0]);
    expect(cpusetFor(1, 2, 4)).toEqual([2, 3]);
  });
});

describe('progress', () => {
  it('expects each remaining run to take the mean of its environment, else of all runs', () => {
    const done = [
      { env: 'docker', seconds: 2 },
      { env: 'docker', seconds: 4 },
      { env: 'qemu', seconds: 40 },
    ];
    expect(estimateRemainingS(done, [{ env: 'docker' }, { env: 'qemu' }])).toBe(3 + 40);
    // native not seen yet: the mean of everything so far
    expect(estimateRemainingS(done, [{ env: 'native' }])).toBeCloseTo(46 / 3, 10);
    expect(estimateRemainingS([], [{ env: 'docker' }])).toBeNull();
    expect(estimateRemainingS(done, [])).toBe(0);
  });

  it('says durations the way people do', () => {
    expect(formatDuration(0.2)).toBe('1 s');
    expect(formatDuration(45)).toBe('45 s');
    expect(formatDuration(240)).toBe('4 min');
    expect(formatDuration(80 * 60)).toBe('80 min');
    expect(formatDuration(95 * 60)).toBe('1 h 35 min');
  });
});

describe('adaptive repetitions', () => {
  const e = {
    environments: ['docker', 'qemu'] as ('docker' | 'qemu')[],
    instances: [1],
    repetitions: 3,
    seed: 1,
    adaptive: { targetCiPct: 5, maxRepetitions: 6 },
  };
  const runs = (env: string, makespans: (number | null)[]) =>
    makespans.map((m) => ({ env, instances: 1, makespanS: m, ok: m !== null }));

  it('uses the Student-t interval: textbook quantiles, honest with few runs', () => {
    expect(tQuantile975(1)).toBe(12.706);
    expect(tQuantile975(4)).toBe(2.776);
    expect(tQuantile975(30)).toBe(2.042);
    expect(tQuantile975(60)).toBeCloseTo(2.0, 2);
    expect(tQuantile975(1000)).toBeCloseTo(1.962, 3);
    // n 4: t(0.975, 3) * sd / sqrt(4) / mean
    expect(meanCiHalfWidthPct([9, 10, 11, 10])).toBeCloseTo(((3.182 * stdev([9, 10, 11, 10])) / 2 / 10) * 100, 6);
    expect(meanCiHalfWidthPct([5])).toBeNull();
  });

  it('adds a round only for the cells still wider than the target, up to the cap', () => {
    const tight = runs('docker', [1.0, 1.01, 0.99]); // about ±2.5%
    const wide = runs('qemu', [10, 14, 8]); // about ±38%
    const cells = cellPrecision(e, [...tight, ...wide]);
    expect(cells.find((c) => c.env === 'docker')).toMatchObject({ attempted: 3, ok: 3, met: true });
    expect(cells.find((c) => c.env === 'qemu')).toMatchObject({ attempted: 3, ok: 3, met: false });
    const round = adaptiveRound(e, cells, 6, 1);
    expect(round).toEqual([{ index: 6, workload: null, env: 'qemu', instances: 1, repetition: 3, warmup: false }]);
    expect(runName(round[0]!)).toBe('007-qemu-x1-r4');
    // at the cap (failed runs count, so a cell that always fails ends too)
    const capped = cellPrecision(e, [...tight, ...runs('qemu', [10, 14, 8, null, null, 12])]);
    expect(adaptiveRound(e, capped, 9, 2)).toEqual([]);
    // without the adaptive section nothing is added
    expect(adaptiveRound({ ...e, adaptive: undefined }, cells, 6, 1)).toEqual([]);
  });

  it('needs two successful runs before a cell can be judged', () => {
    const cells = cellPrecision(e, runs('docker', [1, null, null]));
    expect(cells[0]).toMatchObject({ ok: 1, halfWidthPct: null, met: false });
  });
});

const worker = (over: Partial<WorkerRecord> = {}): WorkerRecord => ({
  worker: 'w0',
  allocCpus: 1,
  memoryBytes: 1,
  cpuset: null,
  bootS: null,
  readyS: 0.1,
  endS: 1,
  exitCode: 0,
  reason: null,
  checksum: 'aaaa',
  metrics: { opsPerSecond: 100 },
  peakRssBytes: 1,
  phasesMs: {},
  node: 'v18',
  stderrTail: '',
  ...over,
});

describe('run verification', () => {
  it('accepts agreeing workers', () => {
    expect(verifyRun([worker(), worker({ worker: 'w1' })], undefined)).toEqual({ ok: true, checksum: 'aaaa' });
    expect(verifyRun([worker()], 'aaaa')).toEqual({ ok: true, checksum: 'aaaa' });
  });

  it('fails a run whose checksum differs from the reference, never reporting it as fast', () => {
    const v = verifyRun([worker({ checksum: 'bbbb' })], 'aaaa');
    expect(v).toEqual({ ok: false, reason: expect.stringContaining('checksum bbbb differs from aaaa') });
  });

  it('fails disagreeing workers, crashes and missing results with a reason', () => {
    expect(verifyRun([worker(), worker({ worker: 'w1', checksum: 'cccc' })], undefined)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('disagree'),
    });
    expect(verifyRun([worker({ exitCode: 1, reason: 'exit code 1', stderrTail: 'boom' })], undefined)).toMatchObject({
      ok: false,
      reason: 'w0: exit code 1 — boom',
    });
    expect(verifyRun([worker({ checksum: null })], undefined)).toMatchObject({
      ok: false,
      reason: 'w0: no verified result line',
    });
  });
});

describe('summary and statistics', () => {
  it('computes median, sample stdev and cv', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(stdev([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(2.138, 3);
    expect(describeStats([1, 1]).cv).toBe(0);
  });

  it('summarises measured runs per cell, CPU between barrier and end from the workers only', () => {
    const run = (name: string, env: string, makespan: number, status: 'ok' | 'failed', warmup = false): RunRecord => ({
      run: name,
      index: 0,
      env,
      instances: 1,
      repetition: warmup ? -1 : 0,
      warmup,
      status,
      reason: status === 'ok' ? null : 'x',
      workKey: 'k',
      checksum: 'aaaa',
      barrierAt: null,
      provisionS: 1,
      makespanS: makespan,
      workers: [worker()],
      phases: [],
    });
    const sample = (r: string, t: number, user: number, source: SampleRecord['source'] = 'cgroup'): SampleRecord => ({
      run: r,
      workload: '',
      env: 'docker',
      instances: 1,
      repetition: 0,
      worker: 'w0',
      source,
      t,
      user,
      system: 0,
      iowait: null,
      steal: null,
      idle: null,
      cores: user / 100,
      allocCpus: 1,
      memUsedBytes: 100,
      memCachedBytes: null,
      memLimitBytes: null,
    });
    const cells = summarize(
      [
        run('a', 'docker', 2, 'ok'),
        run('b', 'docker', 4, 'ok'),
        run('c', 'docker', 1, 'failed'),
        run('w', 'docker', 100, 'ok', true),
      ],
      statsByRun(
        sourceStats(
          [run('a', 'docker', 2, 'ok'), run('b', 'docker', 4, 'ok')],
          [
            sample('a', -0.5, 0),
            sample('a', 1, 80),
            sample('b', 2, 60),
            sample('b', 3, 100, 'host'),
            sample('a', 9, 0),
          ],
        ),
      ),
    );
    expect(cells).toHaveLength(1);
    const c = cells[0]!;
    expect(c).toMatchObject({ ok: 2, failed: 1, meanCpuPct: 70, peakCpuPct: 80 });
    expect(c.makespanS?.mean).toBe(3);
    expect(c.failures).toEqual(['c: x']);
    expect(formatSummaryTable(cells)).toContain('3.000 ± 1.414');
  });
});

describe('worker image spec', () => {
  it('has a stable content hash that changes with its inputs', () => {
    expect(imageHash()).toBe(imageHash());
    expect(imageHash({ ...IMAGE_SPEC, packages: [...IMAGE_SPEC.packages, 'vim'] } as never)).not.toBe(imageHash());
  });

  it("reads the host's mirror from deb822 and one-line apt sources", () => {
    const deb822 =
      'Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm bookworm-updates\nComponents: main\n\nTypes: deb\nURIs: http://mirror.example/debian-security\nSuites: bookworm-security\n';
    expect(mirrorFromAptSources([deb822], 'bookworm')).toBe('http://mirror.example/debian');
    expect(mirrorFromAptSources(['deb [arch=amd64] http://m.example/debian bookworm main\n'], 'bookworm')).toBe(
      'http://m.example/debian',
    );
    expect(
      mirrorFromAptSources(['Types: deb\nURIs: http://x\nSuites: bookworm\nEnabled: no\n'], 'bookworm'),
    ).toBeNull();
    expect(mirrorFromAptSources([''], 'bookworm')).toBeNull();
  });
});

const allocation = { cpus: 1.5, memoryBytes: 512 * 2 ** 20, cpuset: [1] };

describe('docker container spec', () => {
  const spec = containerSpec({
    image: 'versus/worker:abc',
    name: 'versus-r-docker-0',
    runId: 'r',
    worker: 'docker-0',
    allocation,
    invocation: { entry: 'pagerank/pagerank.mjs', args: ['--pages=5'] },
    workloadsDir: '/src/workloads',
  });

  it('runs without a network, unprivileged, with limits always set', () => {
    expect(spec.NetworkDisabled).toBe(true);
    expect(spec.HostConfig?.NetworkMode).toBe('none');
    expect(spec.HostConfig?.Privileged).toBe(false);
    expect(spec.HostConfig?.NanoCpus).toBe(1.5e9);
    expect(spec.HostConfig?.Memory).toBe(512 * 2 ** 20);
    expect(spec.HostConfig?.MemorySwap).toBe(512 * 2 ** 20);
    expect(spec.HostConfig?.CpusetCpus).toBe('1');
    expect(spec.HostConfig?.CapDrop).toEqual(['ALL']);
  });

  it('mounts the workloads read-only, labels the run and passes arguments as an array', () => {
    expect(spec.HostConfig?.Binds).toEqual(['/src/workloads:/opt/versus/workloads:ro']);
    expect(spec.Labels).toMatchObject({ 'versus.owner': 'versus', 'versus.run': 'r' });
    expect(spec.Cmd).toEqual([
      '/usr/bin/node',
      '/opt/versus/workloads/barrier.mjs',
      'pagerank/pagerank.mjs',
      '--pages=5',
    ]);
    expect(spec.Env?.join(' ')).not.toMatch(/DOCKER|SSH|TOKEN/);
  });
});

describe('native command', () => {
  const image = { rootfs: '/cache/rootfs' } as ImageManifest;
  it("runs the image's node through chroot, pinned with taskset when asked", () => {
    const env = new NativeEnvironment({ runtime: 'image', limits: 'none' }, image);
    const c = env.command({ entry: 'pagerank/pagerank.mjs', args: ['--x=1'] }, allocation);
    expect([c.cmd, ...c.args]).toEqual([
      'taskset',
      '-c',
      '1',
      'chroot',
      '/cache/rootfs',
      '/usr/bin/node',
      '/opt/versus/workloads/barrier.mjs',
      'pagerank/pagerank.mjs',
      '--x=1',
    ]);
    const host = new NativeEnvironment({ runtime: 'host', limits: 'none' }, null).command(
      { entry: 'e.mjs', args: [] },
      { ...allocation, cpuset: null },
    );
    expect(host.cmd).toBe(process.execPath);
  });
});
