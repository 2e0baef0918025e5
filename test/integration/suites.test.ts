// Suites on real engines: a workload from outside workloads/ in every environment,
// the paper's four in containers, VMs and natively, and the micro suite's tools.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENVIRONMENT_NAMES } from '../../src/compose/registry.js';
import type { RunRecord, WorkloadMeta } from '../../src/results/types.js';
import { readLines, runCli, sampleTable, tmpDir } from './helpers.js';

const sampleRows = (dir: string) => sampleTable(path.join(dir, 'samples.ndjson'));

const meanMetric = (r: RunRecord, name: string) =>
  r.workers.reduce((a, w) => a + (w.metrics[name] ?? Number.NaN), 0) / r.workers.length;

describe('suites on real engines', () => {
  // vagrant runs the fixture in vagrant.test.ts and qemu in hosts.test.ts (a q35 boot under
  // TCG costs CI over half a minute; the microVM here is the QEMU boot of this test)
  const environments = ENVIRONMENT_NAMES.filter((e) => e !== 'vagrant' && e !== 'qemu');
  it('a fixture workload under test/ runs in every environment (vagrant and qemu: their own tests) with no change under src/', async () => {
    const out = tmpDir('fixture');
    const r = await runCli([
      'run',
      '--settle',
      '200',
      '--env',
      environments.join(','),
      '--workload',
      'fixture',
      '--workload-dir',
      path.resolve('test/fixtures/workloads'),
      '--instances',
      '1',
      '--repetitions',
      '1',
      '--no-report',
      '-o',
      out,
    ]);
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    const dir = r.stdout.trim();
    const runs = readLines<RunRecord>(path.join(dir, 'runs.ndjson'));
    expect(runs.map((x) => x.env).sort()).toEqual([...environments].sort());
    for (const run of runs) {
      expect(run.status, `${run.run}: ${run.reason}`).toBe('ok');
      expect(run.workload).toBe('fixture');
      expect(meanMetric(run, 'burnMs')).toBeGreaterThan(0);
      expect(meanMetric(run, 'napMs')).toBeGreaterThanOrEqual(250);
    }
    expect(new Set(runs.map((x) => x.checksum)).size).toBe(1);
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'experiment.json'), 'utf8')) as {
      workloads: WorkloadMeta[];
    };
    expect(meta.workloads[0]!.metrics.burnMs).toEqual({
      unit: 'ms',
      better: 'lower',
      headline: true,
      description: 'time of the fixed CPU burn',
    });
    const { cols, rows } = sampleRows(dir);
    expect(new Set(rows.map((row) => row[cols.indexOf('workload')]))).toEqual(new Set(['fixture']));
  });

  // VMs: the default workload runs in qemu beside docker and native (qemu.test.ts) and the
  // fixture in every environment above; four more TCG boots here would cost CI over 3 minutes
  it('the paper suite at tiny in docker and native: four workloads, one report, compare per workload', async () => {
    const out = tmpDir('paper');
    const r = await runCli([
      'run',
      '--settle',
      '200',
      '--suite',
      'paper',
      '--env',
      'docker,native',
      '--instances',
      '1',
      '--preset',
      'tiny',
      '--repetitions',
      '1',
      '-o',
      out,
    ]);
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    const dir = r.stdout.trim();
    const runs = readLines<RunRecord>(path.join(dir, 'runs.ndjson'));
    expect(runs).toHaveLength(4 * 2);
    for (const run of runs) expect(run.status, `${run.run}: ${run.reason}`).toBe('ok');
    // every workload computed the same bits everywhere
    for (const w of ['kmeans', 'logreg', 'pagerank', 'sqljoin']) {
      const mine = runs.filter((x) => x.workload === w);
      expect(mine, w).toHaveLength(2);
      expect(new Set(mine.map((x) => x.checksum)).size, w).toBe(1);
    }
    const { cols, rows } = sampleRows(dir);
    const wcol = cols.indexOf('workload');
    expect(new Set(rows.map((row) => row[wcol]))).toEqual(new Set(['kmeans', 'logreg', 'pagerank', 'sqljoin']));
    expect(r.stderr).toMatch(/workload\s+env\s+inst/);
    const html = fs.readFileSync(r.stderr.match(/report: (\S+index\.html)/)![1]!, 'utf8');
    for (const w of ['kmeans', 'logreg', 'pagerank', 'sqljoin']) expect(html).toContain(`id="workload-${w}"`);
    expect(html).toContain('id="suite-overhead"');
    const csv = fs.readFileSync(path.join(dir, 'runs.csv'), 'utf8');
    expect(csv.split('\n')[0]).toMatch(/^run,workload,env,.*metric\.pointsPerSecond/);

    const same = await runCli(['compare', dir, dir, '--format', 'md']);
    expect(same.code, same.stderr).toBe(0);
    for (const w of ['kmeans', 'logreg', 'pagerank', 'sqljoin']) expect(same.stdout).toContain(`${w}: native x1`);
    expect(same.stdout).toMatch(/\| kmeans: docker x1 \| pointsPerSecond \|/);
  });

  it('the micro suite in docker and native: sysbench, fio and stress-ng metrics parsed, the tools’ CPU seen', async () => {
    const out = tmpDir('micro');
    const r = await runCli([
      'run',
      '--settle',
      '200',
      '--suite',
      'micro',
      '--env',
      'docker,native',
      '--instances',
      '1',
      '--repetitions',
      '1',
      '--param',
      'seconds=2',
      '--no-report',
      '-o',
      out,
    ]);
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    const dir = r.stdout.trim();
    const runs = readLines<RunRecord>(path.join(dir, 'runs.ndjson'));
    expect(runs).toHaveLength(6 * 2);
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'experiment.json'), 'utf8')) as {
      workloads: WorkloadMeta[];
    };
    for (const run of runs) {
      expect(run.status, `${run.run}: ${run.reason}`).toBe('ok');
      const declared = meta.workloads.find((w) => w.id === run.workload)!;
      expect(declared.verification).toBe('bounds');
      for (const m of Object.keys(declared.metrics))
        expect(meanMetric(run, m), `${run.run} ${m}`).toBeGreaterThanOrEqual(0);
      expect(meanMetric(run, declared.headline)).toBeGreaterThan(0);
    }
    // sysbench runs as a child of the workload's node: the native sampler counts it
    const cpuRun = runs.find((x) => x.workload === 'sysbench-cpu' && x.env === 'native')!;
    const { cols, rows } = sampleRows(dir);
    const busy = rows
      .filter((row) => row[cols.indexOf('run')] === cpuRun.run && row[cols.indexOf('source')] === 'process')
      .filter(
        (row) => (row[cols.indexOf('t')] as number) >= 0 && (row[cols.indexOf('t')] as number) <= cpuRun.makespanS!,
      )
      .map((row) => (row[cols.indexOf('user')] as number) + (row[cols.indexOf('system')] as number));
    expect(busy.length).toBeGreaterThan(0);
    // node itself waits while sysbench spins: without its children the sampler sees ~1%; with them,
    // whatever share of a CPU the machine gave sysbench (a loaded machine gives less, never this little)
    expect(busy.reduce((a, b) => a + b, 0) / busy.length).toBeGreaterThan(10);
  });
});
