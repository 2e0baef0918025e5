import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { validateExperiment } from '../../src/compose/config.js';
import { ENVIRONMENTS } from '../../src/compose/registry.js';
import { ensureImage } from '../../src/image/build.js';
import { runExperiment } from '../../src/orchestrator/experiment.js';
import { collectPageSamples } from '../../src/report/build.js';
import { sourceCrossCheck } from '../../src/report/crossCheck.js';
import { loadResults, openResults } from '../../src/results/read.js';
import { readSamples } from '../../src/results/store.js';
import type { RunRecord } from '../../src/results/types.js';
import { expectSameRows, expectSameSection } from '../sameAggregates.js';
import { labelledContainers, readLines, runCli, sampleTable, tmpDir } from './helpers.js';

describe('an experiment on a real Docker Engine and natively', () => {
  let dir: string;
  let runs: RunRecord[];

  beforeAll(async () => {
    await ensureImage();
    const experiment = validateExperiment(
      {
        name: 'it-docker',
        environments: ['docker', 'native'],
        instances: [2],
        repetitions: 1,
        warmup: 0,
        // an iterate phase of seconds: the stats API gives about a frame a second, polled or streamed
        workload: { preset: 'tiny', params: { iterations: 8000 } },
        sampling: { intervalMs: 250, settleMs: 500 },
        output: { dir: tmpDir('results') },
      },
      'test',
    );
    const outcome = await runExperiment(experiment, {
      log: () => {},
      signal: new AbortController().signal,
      descriptors: ENVIRONMENTS,
    });
    dir = outcome.dir;
    runs = outcome.runs;
  });

  it('runs both environments to a verified result with equal checksums', () => {
    expect(runs.map((r) => [r.env, r.status, r.reason])).toEqual(
      expect.arrayContaining([
        ['docker', 'ok', null],
        ['native', 'ok', null],
      ]),
    );
    const sums = new Set(runs.flatMap((r) => r.workers.map((w) => w.checksum)));
    expect(sums.size).toBe(1);
    expect([...sums][0]).toMatch(/^[0-9a-f]{16}$/);
    for (const r of runs) expect(r.workers.every((w) => w.node?.startsWith('v18'))).toBe(true);
  });

  it('samples both containers from the cgroup files and the Docker stats API, with user CPU during the iterate phase', () => {
    const rows = parse(fs.readFileSync(path.join(dir, 'samples.csv'), 'utf8'), { columns: true, cast: true }) as Record<
      string,
      string | number
    >[];
    const docker = runs.find((r) => r.env === 'docker')!;
    expect(docker.workerSource).toBe('cgroup');
    for (const worker of ['docker-0', 'docker-1']) {
      const begin = docker.phases.find((p) => p.worker === worker && p.phase === 'iterate' && p.state === 'begin')!.t;
      const end = docker.phases.find((p) => p.worker === worker && p.phase === 'iterate' && p.state === 'end')!.t;
      const during = (source: string) =>
        rows.filter(
          (s) =>
            s.run === docker.run &&
            s.worker === worker &&
            s.source === source &&
            (s.t as number) > begin &&
            (s.t as number) <= end,
        );
      const cgroup = during('cgroup');
      const stats = during('docker-stats');
      expect(cgroup.length).toBeGreaterThan(0);
      expect(stats.length, `${worker}: Docker stats frames during iterate`).toBeGreaterThan(1);
      for (const src of [cgroup, stats]) {
        expect(Math.max(...src.map((s) => s.user as number))).toBeGreaterThan(20);
        expect(src.every((s) => Number.isFinite(s.user as number) && Number.isFinite(s.system as number))).toBe(true);
      }
      // the workload's own memory (smaps_rollup of the container's processes, read on the host)
      expect(Math.max(...cgroup.map((s) => s.memPssBytes as number))).toBeGreaterThan(20e6);
      expect(Math.max(...cgroup.map((s) => s.memUssBytes as number))).toBeGreaterThan(10e6);
    }
    // the two views of the same containers agree on their mean CPU over the same window
    const [check] = sourceCrossCheck(runs, readSamples(path.join(dir, 'samples.ndjson')), 'cgroup', 'docker-stats');
    expect(check!.run).toBe(docker.run);
    // frames: about one a second per container (the engine's collector's tick) over a window of seconds
    expect(check!.b.n).toBeGreaterThanOrEqual(10);
    // busy, whatever share of the CPUs a loaded machine left it; the two views' agreement is the check
    expect(check!.a.meanPct).toBeGreaterThan(10);
    expect(Math.abs(check!.diffPts), JSON.stringify(check)).toBeLessThan(5);
    expect(rows.some((s) => s.run === docker.run && s.source === 'host')).toBe(true);
    const native = runs.find((r) => r.env === 'native')!;
    expect(rows.some((s) => s.run === native.run && s.worker === 'native-1' && (s.user as number) > 0)).toBe(true);
    expect(rows.some((s) => s.run === native.run && s.source === 'process' && (s.memPssBytes as number) > 20e6)).toBe(
      true,
    );
  });

  it('compacts the samples into Parquet, and the columnar path aggregates these real samples as the in-memory path does', async () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'columnar.json'), 'utf8'));
    expect(manifest.samples.parts).toEqual(['samples.parquet']);
    expect(manifest.samples.bytes).toBe(fs.statSync(path.join(dir, 'samples.ndjson')).size);
    for (const f of ['samples.parquet', 'runs.parquet', 'workers.parquet'])
      expect(fs.existsSync(path.join(dir, f)), f).toBe(true);
    expect(fs.existsSync(path.join(dir, 'parts'))).toBe(false);
    const mem = loadResults(dir);
    const col = await openResults(dir);
    try {
      const a = await collectPageSamples(mem);
      const b = await collectPageSamples(col);
      for (const [id, section] of a.sections) {
        expect(section.cpuWorker.length).toBeGreaterThan(10);
        expect(section.crossCheck.length).toBe(1);
        expectSameSection(section, b.sections.get(id)!);
      }
      const key = (s: { run: string; source: string }) => `${s.run}/${s.source}`;
      expectSameRows([...a.stats.values()].flat(), [...b.stats.values()].flat(), key);
    } finally {
      col.samples.close();
    }
  });

  it('writes every result file and leaves no container behind', async () => {
    for (const f of ['experiment.json', 'runs.ndjson', 'samples.ndjson', 'runs.csv', 'samples.csv', 'summary.json']) {
      expect(fs.existsSync(path.join(dir, f)), f).toBe(true);
    }
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'experiment.json'), 'utf8'));
    expect(meta.status).toBe('complete');
    expect(meta.image.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(meta.environments.docker.engineVersion).toBeTruthy();
    expect(JSON.stringify(meta)).not.toContain('PRIVATE KEY');
    expect(readLines<RunRecord>(path.join(dir, 'runs.ndjson'))).toHaveLength(2);
    expect(await labelledContainers()).toEqual([]);
  });

  // the engine asked through versus's gate (16 calls at once) and the samplers started together:
  // before, 128 at once ran into "no reply within 30 s" and 64 waited a minute for their samplers
  it('runs 128 workers at once in docker (tiny calibrate, 128 MiB each): every one verified and sampled, none left', async () => {
    const out = tmpDir('docker128');
    const flags =
      '--env docker --workload calibrate --preset tiny --param seconds=0.5 --instances 128 --memory 128 --repetitions 1 --settle 200 --no-canary --no-report';
    const r = await runCli(['run', ...flags.split(' '), '-o', out]);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const [run] = readLines<RunRecord>(path.join(out, fs.readdirSync(out)[0]!, 'runs.ndjson'));
    expect(run!.status, run!.reason ?? '').toBe('ok');
    expect(run!.workers).toHaveLength(128);
    expect(new Set(run!.workers.map((w) => w.checksum)).size).toBe(1);
    const { cols, rows } = sampleTable(path.join(out, fs.readdirSync(out)[0]!, 'samples.ndjson'));
    const sampled = new Set(rows.map((x) => x[cols.indexOf('worker')] as string));
    expect(sampled.size).toBe(129); // every worker and the host
    expect(await labelledContainers()).toEqual([]);
  });
});
