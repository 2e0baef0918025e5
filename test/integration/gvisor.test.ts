import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSamples } from '../../src/results/store.js';
import type { RunRecord } from '../../src/results/types.js';
import { labelledContainers, pidsWithCmdline, readLines, runCli, tmpDir } from './helpers.js';

/** runsc processes of sandboxes versus started (their container ids are in the command line). */
function runscPids(): number[] {
  return pidsWithCmdline('runsc').filter((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim().startsWith('runsc');
    } catch {
      return false;
    }
  });
}

/** Podman's API service processes (versus starts one when none answers, and stops it). */
function podmanServicePids(): number[] {
  return pidsWithCmdline('system\0service').filter((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('podman');
    } catch {
      return false;
    }
  });
}

describe('gVisor and Podman beside docker and native: the same image, barrier, checksum and samplers', () => {
  let dir: string;
  let runs: RunRecord[];
  let stderr = '';

  beforeAll(async () => {
    const out = tmpDir('gvisor');
    const r = await runCli([
      'run',
      '--settle',
      '200',
      '--env',
      'docker,gvisor,podman,native',
      '--instances',
      '1,2',
      '--repetitions',
      '1',
      '--preset',
      'tiny',
      '--param',
      'iterations=3000', // a few seconds: the stats API sends a frame a second
      '--no-report',
      '-o',
      out,
    ]);
    stderr = r.stderr;
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    dir = r.stdout.trim();
    runs = readLines<RunRecord>(path.join(dir, 'runs.ndjson'));
  });

  afterAll(async () => {
    expect(await labelledContainers()).toEqual([]);
  });

  it('runs docker, gvisor, podman and native at 1 and 2 instances to the same checksum', () => {
    expect(runs.map((r) => `${r.env}x${r.instances}:${r.status}`).sort()).toEqual([
      'dockerx1:ok',
      'dockerx2:ok',
      'gvisorx1:ok',
      'gvisorx2:ok',
      'nativex1:ok',
      'nativex2:ok',
      'podmanx1:ok',
      'podmanx2:ok',
    ]);
    expect(new Set(runs.map((r) => r.checksum)).size).toBe(1);
    const g = runs.find((r) => r.env === 'gvisor' && r.instances === 2)!;
    expect(g.workers.map((w) => w.worker)).toEqual(['gvisor-0', 'gvisor-1']);
  });

  it('records the runtime and its platform, and shows the sandbox as its own environment', () => {
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'experiment.json'), 'utf8'));
    expect(meta.environments.gvisor).toMatchObject({ runtime: 'runsc', platform: 'ptrace' });
    expect(meta.views.gvisor).toMatchObject({ kind: 'sandbox', label: 'Sandboxes (gVisor)' });
    const summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
    const pairs = summary.overheadRatios.map((r: { pair: string }) => r.pair);
    expect(pairs).toEqual(
      expect.arrayContaining(['gVisor/container', 'gVisor/native', 'Podman/docker container', 'Podman/native']),
    );
    // Podman: the service versus started for the experiment, the rlimits it had to set
    expect(meta.environments.podman).toMatchObject({
      service: 'started by versus for this experiment',
      ulimits: { nofile: 4096, nproc: 4096 },
    });
    expect(podmanServicePids()).toEqual([]);
    expect(stderr).not.toMatch(/error/i);
  });

  it('samples every gVisor and Podman worker from its cgroup and the stats API, and the host, with CPU while it runs', () => {
    const samples = readSamples(path.join(dir, 'samples.ndjson'));
    for (const r of runs.filter((x) => x.env === 'gvisor' || x.env === 'podman')) {
      expect(r.workerSource).toBe('cgroup'); // the container's cgroup on the host is readable
      for (const w of r.workers) {
        const mine = samples.filter((s) => s.run === r.run && s.worker === w.worker);
        const sources = new Set(mine.map((s) => s.source));
        expect(sources.has('cgroup'), `${r.run} ${w.worker}`).toBe(true);
        // gVisor streams a stats frame a second; Podman 4.3's compatible stream is sparser (one in several
        // seconds here), so a short Podman run may end before a worker's second frame: checked per experiment below
        if (r.env === 'gvisor') expect([...sources].sort(), `${r.run} ${w.worker}`).toEqual(['cgroup', 'docker-stats']);
        const running = mine.filter((s) => s.source === 'cgroup' && s.t >= 0 && s.t <= r.makespanS!);
        expect(Math.max(...running.map((s) => s.user + s.system))).toBeGreaterThan(20);
      }
      expect(samples.some((s) => s.run === r.run && s.source === 'host')).toBe(true);
    }
    const podmanRuns = new Set(runs.filter((x) => x.env === 'podman').map((x) => x.run));
    expect(samples.some((s) => podmanRuns.has(s.run) && s.source === 'docker-stats')).toBe(true);
  });

  it('leaves no container, runsc sandbox, Podman container or Podman service behind', async () => {
    expect(await labelledContainers()).toEqual([]);
    expect(runscPids()).toEqual([]);
    expect((await runCli(['clean'])).stdout).toContain('nothing left behind');
    expect(podmanServicePids()).toEqual([]);
  });

  it('Ctrl-C during a gvisor run tears the sandbox down and keeps what was written', async () => {
    const out = tmpDir('gvisor-int');
    let sent = false;
    const r = await runCli(
      [
        'run',
        '--env',
        'gvisor',
        '--instances',
        '1',
        '--repetitions',
        '1',
        '--preset',
        'small',
        '--no-report',
        '-o',
        out,
      ],
      (child) => {
        child.stderr!.on('data', (d: Buffer) => {
          if (!sent && d.toString().includes(': running')) {
            sent = true;
            setTimeout(() => child.kill('SIGINT'), 1500);
          }
        });
      },
    );
    expect(sent).toBe(true);
    expect(r.code).toBe(130);
    const resultDir = fs.readdirSync(out).find((d) => fs.existsSync(path.join(out, d, 'experiment.json')))!;
    const meta = JSON.parse(fs.readFileSync(path.join(out, resultDir, 'experiment.json'), 'utf8'));
    expect(meta.status).toBe('interrupted');
    expect(fs.statSync(path.join(out, resultDir, 'samples.ndjson')).size).toBeGreaterThan(100);
    expect(await labelledContainers()).toEqual([]);
    expect(runscPids()).toEqual([]);
  });
});
