// The two backends added as a folder each (docs/ARCHITECTURE.md "Adding an environment"):
// LXC system containers and Charliecloud's ch-run, on the real tools, held to the checks
// docker is held to: the same checksums as native, their own views sampled, the network
// suite's fixture over the run's bridge, Ctrl-C, a killed harness's leftovers, the sweep.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureImage } from '../../src/image/build.js';
import { readBootSweep } from '../../src/results/bootSweep.js';
import type { RunRecord } from '../../src/results/types.js';
import { pidsWithCmdline, readLines, runCli, sampleTable, tmpDir } from './helpers.js';

const FIXTURES = path.resolve('test/fixtures/workloads');
const LXCPATH = '/var/lib/versus-lxc';
const SETTLE = ['--settle', '200', '--no-canary', '--no-report'];

/** What either backend could leave: containers' folders and cgroups, processes, segments. */
function leftovers(): string[] {
  const runs = fs.existsSync(LXCPATH) ? fs.readdirSync(LXCPATH).map((r) => `lxc run ${r}`) : [];
  const cg = ['/sys/fs/cgroup/memory/versus-lxc', '/sys/fs/cgroup/versus-lxc'].flatMap((d) =>
    fs.existsSync(d) ? fs.readdirSync(d).filter((f) => f.includes('-lxc-')) : [],
  );
  const procs = [...pidsWithCmdline('lxc-execute\0'), ...pidsWithCmdline('ch-run\0')].map((p) => `pid ${p}`);
  const netns = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.startsWith('versus-'));
  const links = fs.readdirSync('/sys/class/net').filter((l) => /^vs[bvthe]/.test(l));
  return [...runs, ...cg, ...procs, ...netns, ...links];
}

let rootfs = '';
beforeAll(async () => {
  rootfs = (await ensureImage()).rootfs;
});

describe('lxc and charliecloud, each a folder of its own', () => {
  it('run to the checksums native gets, each sampled in its own view, echo and iperf3 over the run bridge, the image tree untouched, nothing left', async () => {
    const tree = fs.statSync(path.join(rootfs, 'opt/versus/workloads'));
    const out = tmpDir('lxc-ch');
    const r = await runCli([
      'run',
      ...SETTLE,
      '--env',
      'lxc,charliecloud,native',
      '--workload',
      'calibrate,echo-pair,iperf3',
      '--workload-dir',
      FIXTURES,
      '--preset',
      'tiny',
      '--instances',
      '2',
      '--repetitions',
      '1',
      '-o',
      out,
    ]);
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    const dir = path.join(out, fs.readdirSync(out)[0]!);
    const runs = readLines<RunRecord>(path.join(dir, 'runs.ndjson'));
    expect(runs.map((x) => `${x.workload} ${x.env}`).sort()).toEqual([
      'calibrate charliecloud',
      'calibrate lxc',
      'calibrate native',
      'echo-pair charliecloud',
      'echo-pair lxc',
      'echo-pair native',
      'iperf3 charliecloud',
      'iperf3 lxc',
      'iperf3 native',
    ]);
    for (const run of runs) expect(run.status, `${run.run}: ${run.reason}`).toBe('ok');
    const sums = new Set(runs.filter((x) => x.workload === 'calibrate').map((x) => x.checksum));
    expect(sums.size).toBe(1);
    const limits = (env: string) => runs.find((x) => x.env === env)!.workers[0]!.limits!.via;
    expect(limits('lxc')).toMatch(/^LXC cgroup v[12]/);
    expect(limits('charliecloud')).toMatch(/^cgroup v[12]/);

    // lxc's own view is its container's cgroup, Charliecloud's its process tree; each counts its traffic
    const { cols, rows } = sampleTable(path.join(dir, 'samples.ndjson'));
    const at = (c: string) => cols.indexOf(c);
    for (const [env, source] of [
      ['lxc', 'cgroup'],
      ['charliecloud', 'process'],
    ] as const) {
      const echo = runs.find((x) => x.env === env && x.workload === 'echo-pair')!;
      expect(echo.workers.map((w) => w.address)).toEqual(['10.77.0.2', '10.77.0.3']);
      const mine = rows.filter((s) => s[at('run')] === echo.run && s[at('source')] === source);
      expect(mine.length, env).toBeGreaterThan(2);
      const rx = mine.reduce((a, s) => a + ((s[at('netRxBytes')] as number | null) ?? 0), 0);
      expect(rx, env).toBeGreaterThan(200 * 64);
    }
    const info = JSON.parse(fs.readFileSync(path.join(dir, 'experiment.json'), 'utf8'));
    expect(info.views.lxc.kind).toBe('container');
    expect(info.environments.lxc.runtime).toMatch(/^lxc-execute \(LXC 5/);
    expect(info.environments.charliecloud.runtime).toMatch(/^ch-run/);
    // the tree every backend shares was not written: no file of a run went into it
    expect(fs.statSync(path.join(rootfs, 'opt/versus/workloads')).mtimeMs).toBe(tree.mtimeMs);
    expect(fs.existsSync(path.join(rootfs, 'opt/versus/workloads/echo-pair'))).toBe(false);
    expect(leftovers()).toEqual([]);
  });

  it('tears both down on Ctrl-C (exit 130) and keeps what was written', async () => {
    const out = tmpDir('lxc-sigint');
    let saw = false;
    const r = await runCli(
      ['run', ...SETTLE, '--env', 'lxc,charliecloud', '--workload', 'calibrate', '--preset', 'tiny', '-o', out],
      (child) => {
        const poll = setInterval(() => {
          if (pidsWithCmdline('lxc-execute\0').length + pidsWithCmdline('ch-run\0').length > 0) {
            saw = true;
            clearInterval(poll);
            setTimeout(() => child.kill('SIGINT'), 1000);
          }
        }, 100);
        child.on('close', () => clearInterval(poll));
      },
    );
    expect(saw).toBe(true);
    expect(r.code, r.stderr.slice(-2000)).toBe(130);
    const dir = path.join(out, fs.readdirSync(out)[0]!);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'experiment.json'), 'utf8')).status).toBe('interrupted');
    expect(readLines<RunRecord>(path.join(dir, 'runs.ndjson')).at(-1)?.status).toBe('interrupted');
    expect(leftovers()).toEqual([]);
  });

  it('after a SIGKILL of the harness, versus clean names the containers’ run and removes it', async () => {
    const out = tmpDir('lxc-kill9');
    const a = await runCli(
      ['run', ...SETTLE, '--env', 'lxc', '--workload', 'calibrate', '--preset', 'tiny', '--instances', '2', '-o', out],
      (child) => {
        const poll = setInterval(() => {
          if (pidsWithCmdline('lxc-execute\0').length === 2) {
            clearInterval(poll);
            setTimeout(() => child.kill('SIGKILL'), 500);
          }
        }, 100);
        child.on('close', () => clearInterval(poll));
      },
    );
    expect(a.signal).toBe('SIGKILL');
    expect(fs.readdirSync(LXCPATH).length).toBe(1);
    const clean = await runCli(['clean']);
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stdout).toMatch(/lxc run folder/);
    expect(leftovers()).toEqual([]);
  });

  it('sweeps both to 2 instances for Fig. 3 and Fig. 4, and nothing is left', async () => {
    const out = tmpDir('lxc-sweep');
    const config = path.join(out, 'sweep.json');
    fs.writeFileSync(config, JSON.stringify({ sweep: { settleMs: 200 } }));
    const r = await runCli([
      'sweep',
      '-c',
      config,
      '--env',
      'lxc,charliecloud',
      '--instances',
      '2',
      '--no-report',
      '-o',
      out,
    ]);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const sweep = readBootSweep(r.stdout.trim());
    expect(sweep.envs).toEqual(['lxc', 'charliecloud']);
    for (const env of sweep.envs) {
      const xs = sweep.instances.get(env)!;
      expect(xs.map((x) => x.instance)).toEqual([1, 2]);
      for (const x of xs) expect(x.instanceMemBytes ?? 0, env).toBeGreaterThan(2 ** 20);
    }
    // what the host pays for a container: lxc-execute and everything under it, not the container's cgroup alone
    expect(sweep.instances.get('lxc')![0]!.instanceMemSource).toBe('process');
    expect(leftovers()).toEqual([]);
  });
});
