import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSamples } from '../../src/results/store.js';
import type { RunRecord } from '../../src/results/types.js';
import { labelledContainers, qemuPids, readLines, runCli, tmpDir } from './helpers.js';

/** Lines in the samples.ndjson of the one results directory under `out` (0 before it exists). */
function sampleLinesUnder(out: string): number {
  const [dir] = fs.existsSync(out) ? fs.readdirSync(out) : [];
  const file = dir ? path.join(out, dir, 'samples.ndjson') : '';
  return file && fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').length - 1 : 0;
}

describe('versus CLI', () => {
  it.each([
    [['run', '--instances', '0'], '--instances: expected a comma-separated list of positive integers'],
    [['run', '--repetitions', 'x'], '--repetitions: expected an integer'],
    [['run', '--env', 'docker,vmware'], '--env docker,vmware: Invalid option: expected one of'],
    [['run', '--interval', '1'], '--interval 1: Too small: expected number to be >=50 (sampling.intervalMs)'],
    [['run', '--param', 'pages=0'], 'workload.params.pages: must be between 1 and 50000000'],
    [['run', '--config', '/nonexistent.json'], '/nonexistent.json: cannot read config file (ENOENT)'],
    [['run', '--frobnicate'], "unknown option '--frobnicate'"],
    [['run', '--max-repetitions', '5'], 'adaptive repetitions need a target: --target-ci <pct> or --target-mde <pct>'],
    [['run', '--target-mde', '0'], '--target-mde 0: Too small'],
  ])('%j is one clear error and exit 2', async (args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('adaptive repetitions add rounds until the interval is tight enough or the cap is reached', async () => {
    const run = async (targetCi: string) => {
      const out = tmpDir('adaptive');
      const r = await runCli([
        'run',
        '--settle',
        '200',
        '--preset',
        'tiny',
        '--env',
        'native',
        '--native-runtime',
        'host',
        '--instances',
        '1',
        '--repetitions',
        '2',
        '--target-ci',
        targetCi,
        '--max-repetitions',
        '4',
        '--no-report',
        '-o',
        out,
      ]);
      expect(r.code, r.stderr).toBe(0);
      const dir = r.stdout.trim();
      const summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
      return { r, runs: readLines<RunRecord>(path.join(dir, 'runs.ndjson')), summary };
    };
    // no machine is that steady: runs until the cap
    const strict = await run('0.0001');
    expect(strict.runs.map((x) => x.run)).toEqual([
      '001-native-x1-r1',
      '002-native-x1-r2',
      '003-native-x1-r3',
      '004-native-x1-r4',
    ]);
    expect(strict.r.stderr).toMatch(
      /adaptive: one more round for native x1 \(±[\d.]+%, detectable [\d.]+% after 2\); target ±0.0001% interval/,
    );
    expect(strict.r.stderr).toMatch(
      /adaptive: 0 of 1 cell\(s\) reached ±0.0001% interval; stopped at the cap of 4 runs: native x1/,
    );
    expect(strict.summary.adaptive).toMatchObject({
      targetCiPct: 0.0001,
      maxRepetitions: 4,
      cells: [{ env: 'native', instances: 1, attempted: 4, ok: 4, met: false }],
    });
    // two runs of the same work are within ±1000% of each other: no extra round
    const loose = await run('1000');
    expect(loose.runs).toHaveLength(2);
    expect(loose.summary.adaptive.cells[0]).toMatchObject({ attempted: 2, met: true });
  });

  it('has --help on every command', async () => {
    for (const cmd of [
      'run',
      'report',
      'query',
      'compact',
      'compare',
      'history',
      'image',
      'doctor',
      'clean',
      'schema',
    ]) {
      const r = await runCli([cmd, '--help']);
      expect(r.code, cmd).toBe(0);
      expect(r.stdout).toContain('Usage: versus');
    }
  });

  it('runs docker and native, 1 and 2 instances, 2 repetitions, and prints the result path', async () => {
    const out = tmpDir('cli');
    const r = await runCli([
      'run',
      '--settle',
      '200',
      '--env',
      'docker,native',
      '--instances',
      '1,2',
      '--repetitions',
      '2',
      '--warmup',
      '0',
      '--preset',
      'tiny',
      '--output',
      out,
      '--name',
      'cli-test',
    ]);
    expect(r.stderr).toContain('makespan s');
    expect(r.code).toBe(0);
    const dir = r.stdout.trim();
    expect(dir.startsWith(out)).toBe(true);
    const runs = readLines<RunRecord>(path.join(dir, 'runs.ndjson'));
    expect(runs).toHaveLength(8);
    expect(runs.every((x) => x.status === 'ok')).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'runs.csv'), 'utf8').split('\n')[0]).toContain('makespanS');
    expect(await labelledContainers()).toEqual([]);

    // the results as SQL: one row per cell, counts that match the record
    const q = await runCli([
      'query',
      dir,
      "SELECT r.env, r.instances, count(*) AS n FROM samples s JOIN runs r USING (run) WHERE s.source <> 'host' GROUP BY ALL ORDER BY ALL",
      '--format',
      'json',
    ]);
    expect(q.code, q.stderr).toBe(0);
    const cells = JSON.parse(q.stdout) as { env: string; instances: number; n: number }[];
    expect(cells.map((c) => `${c.env} x${c.instances}`)).toEqual(['docker x1', 'docker x2', 'native x1', 'native x2']);
    const sampleLines = readSamples(path.join(dir, 'samples.ndjson')).filter((x) => x.source !== 'host').length;
    expect(cells.reduce((a, c) => a + c.n, 0)).toBe(sampleLines);
    const workers = await runCli(['query', dir, 'SELECT count(*) AS n FROM workers', '--format', 'csv']);
    expect(workers.stdout.trim()).toBe('n\n12');
    const bad = await runCli(['query', dir, 'SELEC nothing']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^versus: query: Parser Error: syntax error at or near "SELEC"\n$/);
  });

  it('tears everything down on Ctrl-C and keeps what was written', async () => {
    const out = tmpDir('sigint');
    let sawContainer = false;
    const r = await runCli(
      [
        ...'run --preset tiny --env docker --instances 2 --repetitions 3 --warmup 0 --param iterations=9000 --output'.split(
          ' ',
        ),
        out,
      ],
      (child) => {
        const poll = setInterval(async () => {
          if ((await labelledContainers()).length > 0) {
            sawContainer = true;
            clearInterval(poll);
            setTimeout(() => child.kill('SIGINT'), 1500);
          }
        }, 200);
        child.on('close', () => clearInterval(poll));
      },
    );
    expect(sawContainer).toBe(true);
    expect(r.code).toBe(130);
    expect(await labelledContainers()).toEqual([]);
    const [dir] = fs.readdirSync(out);
    const meta = JSON.parse(fs.readFileSync(path.join(out, dir!, 'experiment.json'), 'utf8'));
    expect(meta.status).toBe('interrupted');
    const runs = readLines<RunRecord>(path.join(out, dir!, 'runs.ndjson'));
    expect(runs[0]?.status).toBe('interrupted');
    expect(fs.statSync(path.join(out, dir!, 'samples.ndjson')).size).toBeGreaterThan(0);
  });

  it('tears down VMs too on SIGTERM during a VM boot (exit 143), leaving no QEMU process and a readable partial result', async () => {
    const out = tmpDir('sigint-qemu');
    const qemuAlive = () => qemuPids().length > 0;
    let sawVm = false;
    const r = await runCli(
      [
        ...'run --preset tiny --env qemu --instances 1 --repetitions 2 --memory 768 --param iterations=20000 --output'.split(
          ' ',
        ),
        out,
        '--no-report',
      ],
      (child) => {
        const poll = setInterval(() => {
          if (qemuAlive()) {
            sawVm = true;
            clearInterval(poll);
            setTimeout(() => child.kill('SIGTERM'), 5000); // mid-boot
          }
        }, 200);
        child.on('close', () => clearInterval(poll));
      },
    );
    expect(sawVm).toBe(true);
    expect(r.code).toBe(143);
    expect(qemuAlive()).toBe(false);
    const [dir] = fs.readdirSync(out);
    const meta = JSON.parse(fs.readFileSync(path.join(out, dir!, 'experiment.json'), 'utf8'));
    expect(meta.status).toBe('interrupted');
    expect(readLines<RunRecord>(path.join(out, dir!, 'runs.ndjson'))[0]?.status).toBe('interrupted');
    const report = await runCli(['report', path.join(out, dir!), '--out', tmpDir('sigint-report'), '--format', 'html']);
    expect(report.code).toBe(0);
  });

  it('stops a cold image build on SIGTERM: exit 143, no debootstrap left, no half-built image', async () => {
    const cache = tmpDir('cold-cache');
    const { execFileSync } = await import('node:child_process');
    const debootstraps = () => {
      try {
        return execFileSync('pgrep', ['-f', `debootstrap.*${cache}`], { encoding: 'utf8' }).trim();
      } catch {
        return '';
      }
    };
    let sawBuild = false;
    const started = Date.now();
    let signalledAt = 0;
    const r = await runCli(
      ['run', '--preset', 'tiny', '--env', 'native', '--output', tmpDir('cold-results')],
      (child) => {
        const poll = setInterval(() => {
          if (debootstraps()) {
            sawBuild = true;
            clearInterval(poll);
            setTimeout(() => {
              signalledAt = Date.now();
              child.kill('SIGTERM');
            }, 2000);
          } else if (Date.now() - started > 60_000) clearInterval(poll);
        }, 200);
        child.on('close', () => clearInterval(poll));
      },
      { ...process.env, VERSUS_CACHE: cache },
    );
    expect(sawBuild).toBe(true);
    expect(r.code).toBe(143);
    expect(Date.now() - signalledAt).toBeLessThan(15_000);
    expect(r.stderr).toContain('interrupted');
    expect(debootstraps()).toBe('');
    const images = path.join(cache, 'images');
    expect(fs.existsSync(images) ? fs.readdirSync(images) : []).toEqual([]);
  });

  it('after a SIGKILL of the harness, run warns about the leftovers and clean removes containers, VMs and overlays', async () => {
    const killWhen =
      (ready: () => boolean | Promise<boolean>) => (child: ReturnType<typeof import('node:child_process').spawn>) => {
        const poll = setInterval(async () => {
          if (await ready()) {
            clearInterval(poll);
            setTimeout(() => child.kill('SIGKILL'), 1000);
          }
        }, 200);
        child.on('close', () => clearInterval(poll));
      };
    const outA = tmpDir('kill9');
    const a = await runCli(
      [
        ...'run --preset tiny --env docker --instances 2 --param iterations=20000 --output'.split(' '),
        outA,
        '--no-report',
      ],
      // past the barrier: samples are on disk (before it they wait in memory for t = 0)
      killWhen(async () => (await labelledContainers()).length === 2 && sampleLinesUnder(outA) > 1),
    );
    expect(a.signal).toBe('SIGKILL');
    // what the killed harness wrote is compacted on demand and answers SQL
    const killed = path.join(outA, fs.readdirSync(outA)[0]!);
    expect(fs.existsSync(path.join(killed, 'columnar.json'))).toBe(false);
    const count = await runCli(['query', killed, 'SELECT count(*) AS n FROM samples', '--format', 'csv']);
    expect(count.code, count.stderr).toBe(0);
    const written = readSamples(path.join(killed, 'samples.ndjson')).length;
    expect(written).toBeGreaterThan(0);
    expect(count.stdout.trim()).toBe(`n\n${written}`);
    expect(fs.existsSync(path.join(killed, 'samples.parquet'))).toBe(true);
    const b = await runCli(
      [
        ...'run --preset tiny --env qemu --instances 1 --memory 512 --output'.split(' '),
        tmpDir('kill9'),
        '--no-report',
      ],
      killWhen(() => qemuPids().length > 0),
    );
    expect(b.signal).toBe('SIGKILL');
    expect((await labelledContainers()).length).toBe(2);
    expect(qemuPids().length).toBe(1);

    const warned = await runCli([
      'run',
      '--settle',
      '200',
      '--preset',
      'tiny',
      '--env',
      'docker',
      '--instances',
      '1',
      '--repetitions',
      '1',
      '--param',
      'iterations=5',
      '--output',
      tmpDir('kill9'),
      '--no-report',
    ]);
    expect(warned.code).toBe(0);
    expect(warned.stderr).toMatch(/warning: 3 leftover\(s\) of earlier runs.*versus clean/);

    const clean = await runCli(['clean']);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/removed qemu pid \d+/);
    expect(await labelledContainers()).toEqual([]);
    expect(qemuPids()).toEqual([]);
    expect((await runCli(['clean'])).stdout).toContain('nothing left behind');
  });
});
