// Many hosts: two real test hosts on this machine (network namespaces with their own
// sshd and dockerd, scripts/test-hosts.sh), reached over SSH through a proxy command.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import type { RunRecord } from '../../src/results/types.js';
import { readLines, runCli, sampleTable, tmpDir } from './helpers.js';

const RIG = path.resolve('scripts/test-hosts.sh');

interface RigHost {
  name: string;
  address: string;
  key: string;
  hostKey: string;
  dockerSocket: string;
  proxyCommand: string[];
}

const rig = (...args: string[]) => execFileSync(RIG, args, { encoding: 'utf8', timeout: 180_000 });
const engineOf = (h: RigHost) => new Docker({ socketPath: h.dockerSocket });
const containersOn = async (h: RigHost, running = false) =>
  (await engineOf(h).listContainers({ all: !running, filters: { label: ['versus.owner=versus'] } })).map(
    (c) => c.Names[0],
  );

/** What gVisor's engine entry on h1 recorded (runtime, its platform). */
function gvisorOnH1(dir: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(dir, 'experiment.json'), 'utf8')).environments.gvisor.hosts.h1;
}

/** A process still in a host's cgroup parent: a container that outlived its engine. */
function processesOf(host: string): number[] {
  return fs
    .readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return fs.readFileSync(`/proc/${p}/cgroup`, 'utf8').includes(`/versus-${host}/`);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('two hosts, each with its own sshd and Docker Engine', () => {
  let hosts: RigHost[];
  let config: string;

  beforeAll(() => {
    hosts = rig('up', '2')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as RigHost);
    config = path.join(tmpDir('hosts-config'), 'hosts.yaml');
    fs.writeFileSync(
      config,
      YAML.stringify({
        hosts: hosts.map((h) => ({
          name: h.name,
          ssh: { host: h.address, key: h.key, hostKey: h.hostKey, proxyCommand: h.proxyCommand },
          environments: ['docker', 'gvisor'],
          dockerSocket: h.dockerSocket,
        })),
      }),
    );
  });

  afterAll(() => {
    rig('down');
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toMatch(/\bvs-(h\d|lan)\b/);
  });

  it('spreads docker and gVisor workers 1+1 and 2+2 over the hosts, next to native ones here, with every host sampled', async () => {
    const out = tmpDir('hosts');
    const flags = '--env docker,gvisor,native --instances 2,4 --repetitions 1 --preset tiny --param iterations=300';
    const r = await runCli(['run', '--config', config, ...flags.split(' '), '--output', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/host h1: \d+ CPUs, kernel .*, clock [+-][\d.]+ ms/);
    const dir = r.stdout.trim();
    const runs = readLines<RunRecord>(path.join(dir, 'runs.ndjson'));
    expect(runs.map((x) => x.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
    const placed = (env: string, n: number) =>
      runs.find((x) => x.env === env && x.instances === n)!.workers.map((w) => w.host);
    for (const env of ['docker', 'gvisor']) {
      expect(placed(env, 2)).toEqual(['h1', 'h2']);
      expect(placed(env, 4)).toEqual(['h1', 'h2', 'h1', 'h2']);
    }
    expect(gvisorOnH1(dir)).toMatchObject({ runtime: 'runsc', platform: 'ptrace' });
    for (const x of runs.filter((x) => x.env === 'native'))
      expect(x.workers.every((w) => w.host === undefined)).toBe(true);
    // one checksum everywhere: the same work on both hosts and here
    expect(new Set(runs.flatMap((x) => x.workers.map((w) => w.checksum))).size).toBe(1);

    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'experiment.json'), 'utf8'));
    for (const h of ['h1', 'h2']) {
      expect(meta.hosts[h].hostKey).toBe(hosts.find((x) => x.name === h)!.hostKey);
      expect(Math.abs(meta.hosts[h].clockOffsetMs)).toBeLessThan(50); // the same clock, measured through SSH
      expect(meta.environments.docker.hosts[h].engineVersion).toBeTruthy();
    }
    // the host view: each remote host for docker runs, this machine for native ones
    const { cols, rows } = sampleTable(path.join(dir, 'samples.ndjson'));
    const at = (c: string) => cols.indexOf(c);
    const hostViews = (run: RunRecord) =>
      new Set(rows.filter((s) => s[at('run')] === run.run && s[at('source')] === 'host').map((s) => s[at('worker')]));
    for (const x of runs) expect([...hostViews(x)].sort()).toEqual(x.env === 'native' ? ['host'] : ['h1', 'h2']);
    // remote containers are seen through their engine's stats API
    const docker4 = runs.find((x) => x.env === 'docker' && x.instances === 4)!;
    expect(docker4.workerSource).toBe('docker-stats');
    // the report has the per-host panel
    const report = path.join('reports', path.basename(dir));
    expect(fs.existsSync(path.join(report, 'fig6-hosts.vl.json'))).toBe(true);
    const spec = JSON.parse(fs.readFileSync(path.join(report, 'fig6-hosts.vl.json'), 'utf8'));
    expect(spec.facet.row.sort).toEqual([
      'Containers (docker) @ h1',
      'Sandboxes (gVisor) @ h1',
      'Containers (docker) @ h2',
      'Sandboxes (gVisor) @ h2',
    ]);
    for (const h of hosts) expect(await containersOn(h)).toEqual([]);
    fs.rmSync(report, { recursive: true, force: true });
  });

  it("a host whose engine dies mid-run fails that host's workers by name; nothing is left running; clean --hosts removes the rest", async () => {
    const [h1, h2] = hosts as [RigHost, RigHost];
    const out = tmpDir('hosts-fail');
    const flags = '--env docker --instances 2 --repetitions 1 --preset tiny --param iterations=20000 --no-report';
    const r = await runCli(['run', '--config', config, ...flags.split(' '), '--output', out], (child) => {
      const poll = setInterval(async () => {
        if ((await containersOn(h2, true).catch(() => [])).length > 0) {
          clearInterval(poll);
          setTimeout(() => rig('kill-docker', 'h2'), 1500);
        }
      }, 200);
      child.on('close', () => clearInterval(poll));
    });
    expect(r.code).toBe(1);
    const dir = r.stdout.trim();
    const [run] = readLines<RunRecord>(path.join(dir, 'runs.ndjson'));
    expect(run!.status).toBe('failed');
    expect(run!.reason).toMatch(/docker-1: host h2: Docker Engine stopped answering/);
    expect(run!.reason).not.toMatch(/host h1/);
    expect(run!.workers.find((w) => w.host === 'h2')!.reason).toMatch(/^host h2: /);
    expect(await containersOn(h1)).toEqual([]);
    expect(processesOf('h2')).toEqual([]);
    expect(processesOf('h1')).toEqual([]);

    // the dead engine is news to clean; back up, its leftover container is removed
    const down = await runCli(['clean', '--hosts', '--config', config]);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('clean: host h2: its Docker Engine');
    rig('up', '2');
    expect((await containersOn(h2)).length).toBeGreaterThan(0);
    const clean = await runCli(['clean', '--hosts', '--config', config]);
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stdout).toMatch(/removed container \/versus-\S+-docker-0 on h2/);
    for (const h of hosts) expect(await containersOn(h)).toEqual([]);
  });
});
