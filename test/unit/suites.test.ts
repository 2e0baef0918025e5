// Workloads as plugins and suites: selection, plans, metrics from the results, the
// suite report and per-workload gating, and the boundary itself (src/ names no workload).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { alignLegacyWorkloads, compareResults } from '../../src/compare/compare.js';
import { validateExperiment } from '../../src/compose/config.js';
import { planRuns, runName } from '../../src/orchestrator/plan.js';
import { metricProblem, verifyRun } from '../../src/orchestrator/verify.js';
import { pageOf } from '../../src/report/build.js';
import { overheadCells } from '../../src/report/suite.js';
import { cellMetrics, metricDefs } from '../../src/results/metrics.js';
import { loadResults, statsOfResults, workloadsOf } from '../../src/results/read.js';
import { projectBundle, workloadBundle } from '../../src/workload/bundle.js';
import { listWorkloads, readManifest } from '../../src/workload/manifest.js';
import { assignIds, listSuites, loadSuite } from '../../src/workload/suite.js';
import { writeSyntheticResults } from '../support/synthetic.js';

const FIXTURES = path.resolve('test/fixtures/workloads');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'versus-suite-'));

describe('the workload boundary', () => {
  it('no file under src/ names a workload', () => {
    const names = listWorkloads([FIXTURES]);
    expect(names).toEqual(expect.arrayContaining(['kmeans', 'logreg', 'pagerank', 'sqljoin', 'fio', 'fixture']));
    const pattern = new RegExp(`(?<![\\w-])(${names.map((n) => n.replace(/-/g, '\\-')).join('|')})(?![\\w-])`, 'i');
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const f = path.join(dir, e.name);
        if (e.isDirectory()) walk(f);
        else if (pattern.test(fs.readFileSync(f, 'utf8')))
          offenders.push(`${f}: ${pattern.exec(fs.readFileSync(f, 'utf8'))![0]}`);
      }
    };
    walk('src');
    expect(offenders).toEqual([]);
  });

  it('every shipped manifest is valid and declares a headline metric', () => {
    for (const name of listWorkloads()) {
      const m = readManifest(path.resolve('workloads', name));
      expect(Object.keys(m.metrics).length, name).toBeGreaterThan(0);
      for (const preset of ['tiny', 'small', 'paper']) expect(m.presets[preset], `${name} ${preset}`).toBeDefined();
    }
  });

  it('refuses a manifest whose metric shadows one the harness measures', () => {
    const dir = path.join(tmp(), 'bad');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'bad.mjs'), '');
    fs.writeFileSync(
      path.join(dir, 'workload.json'),
      JSON.stringify({
        name: 'bad',
        version: 1,
        entry: 'bad.mjs',
        parameters: {},
        presets: { tiny: {} },
        metrics: { makespan: { unit: 's', better: 'lower' } },
      }),
    );
    expect(() => readManifest(dir)).toThrow(/metrics\.makespan: the harness measures this itself/);
  });
});

describe('selecting workloads', () => {
  it('ships the default, paper and micro suites; the default is what a bare config runs', () => {
    expect(listSuites()).toEqual(expect.arrayContaining(['default', 'micro', 'paper']));
    expect(loadSuite('paper').workloads.map((w) => w.name)).toEqual(['kmeans', 'logreg', 'pagerank', 'sqljoin']);
    const e = validateExperiment({}, 'test');
    expect(e.suite).toBe('default');
    expect(e.workloads.map((w) => w.id)).toEqual(loadSuite('default').workloads.map((w) => w.name));
  });

  it('a suite with --preset and --param: the preset for all, a bare param for every workload declaring it, a dotted one for one', () => {
    const e = validateExperiment(
      { suite: 'micro', preset: 'tiny', params: { seconds: 2, 'fio-fsync.file-mib': 8 } },
      'flags',
    );
    expect(e.workloads.map((w) => w.id)).toEqual([
      'sysbench-cpu',
      'sysbench-memory',
      'fio-randread',
      'fio-fsync',
      'stress-ng-get',
      'stress-ng-switch',
    ]);
    expect(e.workloads.every((w) => w.preset === 'tiny' && w.params.seconds === 2)).toBe(true);
    expect(e.workloads.find((w) => w.id === 'fio-fsync')!.params['file-mib']).toBe(8);
    expect(e.workloads.find((w) => w.id === 'fio-randread')!.params['file-mib']).toBeUndefined();
  });

  it('one clear error for a param nobody declares, a value out of range, two forms at once, an unknown workload', () => {
    expect(() => validateExperiment({ suite: 'paper', params: { frobs: 1 } }, 'flags')).toThrow(
      /flags: params\.frobs: no workload of this experiment has a parameter frobs/,
    );
    expect(() => validateExperiment({ workloads: [{ name: 'kmeans' }], params: { k: 0 } }, 'flags')).toThrow(
      /kmeans: workload\.params\.k: must be between 1 and 10000/,
    );
    expect(() => validateExperiment({ suite: 'paper', workloads: [{ name: 'kmeans' }] }, 'x.yaml')).toThrow(
      /x\.yaml: config: give one of workloads, suite/,
    );
    expect(() => validateExperiment({ workloads: [{ name: 'nope' }] }, 'flags')).toThrow(
      /no workload nope in .*known: /,
    );
    expect(() => validateExperiment({ suite: 'nope' }, 'flags')).toThrow(/no suite nope .*suites: cluster, default/);
  });

  it('finds a workload in workloadDirs, and names repeated workloads by preset', () => {
    const e = validateExperiment({ workloads: [{ name: 'fixture' }], workloadDirs: [FIXTURES] }, 'test');
    expect(e.workloads[0]!.id).toBe('fixture');
    expect(
      assignIds(
        [
          { name: 'fio', preset: 'tiny' },
          { name: 'fio', preset: 'fsync' },
        ],
        'tiny',
      ).map((x) => x.id),
    ).toEqual(['fio@tiny', 'fio@fsync']);
  });
});

describe('a plan of several workloads', () => {
  it('runs every workload x environment x instances x repetition, interleaved per round, names carry the workload', () => {
    const plan = planRuns({
      environments: ['docker', 'native'],
      instances: [1, 2],
      repetitions: 2,
      warmup: 0,
      seed: 3,
      workloads: [{ id: 'kmeans' }, { id: 'sqljoin' }],
    });
    expect(plan).toHaveLength(2 * 2 * 2 * 2);
    const firstRound = plan.filter((p) => p.repetition === 0 && p.instances === 1);
    expect(new Set(firstRound.map((p) => `${p.workload}/${p.env}`)).size).toBe(4);
    expect(runName(plan[0]!)).toMatch(/^001-(kmeans|sqljoin)-(docker|native)-x1-r1$/);
    // one workload: the plan and the names of before suites
    const single = planRuns({
      environments: ['docker'],
      instances: [1],
      repetitions: 1,
      warmup: 0,
      seed: 1,
      workloads: [{ id: 'pagerank' }],
    });
    expect(runName(single[0]!)).toBe('001-docker-x1-r1');
  });
});

describe('verification by metrics', () => {
  const manifest = { metrics: { iops: { unit: 'IO/s', better: 'higher' as const, min: 0.001 } } };
  it('a missing or out-of-bounds declared metric fails the worker', () => {
    expect(metricProblem(manifest, { iops: 100 })).toBeNull();
    expect(metricProblem(manifest, {})).toBe('result lacks metric iops');
    expect(metricProblem(manifest, { iops: 0 })).toMatch(/iops = 0 IO\/s is outside its sane bounds/);
  });
  it('bounds workloads do not compare checksums across workers or runs', () => {
    const w = (checksum: string) =>
      ({ worker: 'w', reason: null, exitCode: 0, checksum, stderrTail: '' }) as Parameters<typeof verifyRun>[0][number];
    expect(verifyRun([w('a'), w('b')], 'c', 'bounds').ok).toBe(true);
    expect(verifyRun([w('a'), w('b')], undefined, 'checksum').ok).toBe(false);
  });
});

describe('a suite’s results', () => {
  const dir = tmp();
  writeSyntheticResults(dir, { workloads: 3, envs: ['docker', 'qemu', 'native'], instances: [1], repetitions: 3 });
  const rs = loadResults(dir);

  it('the report has an overview (table and heat map) and a section per workload with its figures', async () => {
    const page = await pageOf(rs);
    expect(page.tables[0]!.title).toMatch(/Suite overview/);
    expect(page.figures.map((f) => f.id)).toEqual(['suite-overhead']);
    expect(page.sections!.map((s) => s.title)).toEqual([
      'Workload synthetic-a',
      'Workload synthetic-b',
      'Workload synthetic-c',
    ]);
    const ids = page.sections!.flatMap((s) => s.figures.map((f) => f.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toContain('synthetic-b-fig6-worker');
  });

  it('the overview ratio is against native on each workload’s headline, with an interval around it', () => {
    const cells = overheadCells(rs.runs, metricDefs(workloadsOf(rs.meta)), rs.meta.views);
    const qemu = cells.filter((c) => c.env === 'qemu');
    expect(qemu.map((c) => c.workload)).toEqual(['synthetic-a', 'synthetic-b', 'synthetic-c']);
    for (const c of qemu) {
      expect(c.metric).toBe('opsPerSecond');
      expect(c.overhead).toBeGreaterThan(1);
      expect(c.lo).toBeLessThanOrEqual(c.overhead);
      expect(c.hi).toBeGreaterThanOrEqual(c.overhead);
    }
    // the synthetic suite makes later workloads pay more for the VM
    expect(qemu[2]!.overhead).toBeGreaterThan(qemu[0]!.overhead);
  });

  it('compare gates per workload and metric: a slowdown of one workload in one environment is found there only', async () => {
    const cand = tmp();
    writeSyntheticResults(cand, {
      workloads: 3,
      envs: ['docker', 'qemu', 'native'],
      instances: [1],
      repetitions: 3,
      slowdown: { 'synthetic-b/docker': 1.3 },
    });
    const defs = metricDefs(workloadsOf(rs.meta));
    const c = compareResults(
      cellMetrics(rs.runs, await statsOfResults(rs), defs),
      cellMetrics(loadResults(cand).runs, await statsOfResults(loadResults(cand)), defs),
      ['makespan', 'headline'],
      0.05,
      rs.meta.views,
      defs,
    );
    expect(c.regressed).toBe(true);
    const regressed = c.rows.filter((r) => r.verdict === 'regressed').map((r) => `${r.scope} ${r.metric}`);
    expect(regressed.sort()).toEqual(['synthetic-b: docker x1 makespan', 'synthetic-b: docker x1 opsPerSecond']);
  });
});

describe('results from before suites', () => {
  it('an old baseline (no workload ids) still gates a candidate of one workload', () => {
    const cell = (workload: string) => ({
      workload,
      env: 'docker',
      instances: 1,
      ok: 3,
      failed: 0,
      runs: [],
      values: { makespan: [10, 10.1, 9.9] },
      blocks: { makespan: [10, 10.1, 9.9].map((_, i) => i) },
      metrics: {},
    });
    const [b, c] = alignLegacyWorkloads([cell('')], [cell('pagerank')]);
    expect(b[0]!.workload).toBe('pagerank');
    expect(compareResults(b, c, ['makespan'], 0.05).rows).toHaveLength(1);
    // two workloads on the other side: nothing to align with
    expect(alignLegacyWorkloads([cell('')], [cell('a'), cell('b')])[0][0]!.workload).toBe('');
  });
});

describe('the workloads an experiment sees', () => {
  it('is a snapshot taken at the start: a later edit gets a new bundle, the first one is untouched', () => {
    const cache = tmp();
    const before = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = cache;
    try {
      const src = path.join(tmp(), 'mine');
      fs.cpSync(path.join(FIXTURES, 'fixture'), src, { recursive: true });
      const a = workloadBundle([src]);
      expect(fs.existsSync(path.join(a.dir, 'barrier.mjs'))).toBe(true);
      expect(fs.existsSync(path.join(a.dir, 'mine', 'fixture.mjs'))).toBe(true);
      fs.appendFileSync(path.join(src, 'fixture.mjs'), '\n// edited\n');
      const b = workloadBundle([src]);
      expect(b.hash).not.toBe(a.hash);
      expect(fs.readFileSync(path.join(a.dir, 'mine', 'fixture.mjs'), 'utf8')).not.toContain('edited');
      // the project's own workloads alone: the same hash as the tree the image holds
      expect(workloadBundle([]).hash).toBe(projectBundle().hash);
    } finally {
      process.env.XDG_CACHE_HOME = before;
      if (before === undefined) delete process.env.XDG_CACHE_HOME;
    }
  });
});
