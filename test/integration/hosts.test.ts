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
  cacheDir: string;
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

/** native workers a host's pid files name that still run (the test hosts share this /proc) */
function workersOf(h: RigHost, pids = recordedPids(h)): number[] {
  return pids.filter((p) => {
    try {
      return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('barrier.mjs');
    } catch {
      return false;
    }
  });
}

function recordedPids(h: RigHost): number[] {
  const dir = path.join(h.cacheDir, 'native');
  return filesIn(dir).flatMap((run) =>
    filesIn(path.join(dir, run))
      .filter((f) => f.endsWith('.pid'))
      .map((f) => Number(fs.readFileSync(path.join(dir, run, f), 'utf8'))),
  );
}

const filesIn = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir) : []);

/** QEMU processes of versus (the test hosts share this kernel: the same /proc). */
const ourVms = () =>
  fs
    .readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('versus-qemu-');
      } catch {
        return false;
      }
    });

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
        // the runs' idle edges are not looked at here: a short settle
        sampling: { settleMs: 200 },
        hosts: hosts.map((h) => ({
          name: h.name,
          // a lost host is found after 6 keepalives of 2 s (the default 5 s: 30 s of CI per loss)
          ssh: { host: h.address, key: h.key, hostKey: h.hostKey, proxyCommand: h.proxyCommand, keepaliveS: 2 },
          environments: ['docker', 'gvisor', 'microvm', 'native'],
          docker: { socket: h.dockerSocket },
          cacheDir: h.cacheDir,
        })),
      }),
    );
  });

  afterAll(() => {
    rig('down');
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toMatch(/\bvs-(h\d|lan)\b/);
    // nor the engines' cgroup parents (v1: one per controller; v2: one)
    for (const h of ['versus-h1', 'versus-h2'])
      for (const dir of [path.join('/sys/fs/cgroup/memory', h), path.join('/sys/fs/cgroup', h)])
        expect(fs.existsSync(dir), dir).toBe(false);
  });

  it('spreads docker, gVisor, microVM and native workers 1+1 over the hosts, every host sampled', async () => {
    const out = tmpDir('hosts');
    // the fixture (a nap and a short burn): placement, views and checksums are the point, not
    // the work; the nap is long enough for every remote sampler loop to be running while the
    // workers are. One worker per host (placement by weight, 2+2 and up, is unit-tested): each
    // further TCG guest costs CI about half a minute
    const flags =
      '--env docker,gvisor,microvm,native --instances 2 --repetitions 1 --workload fixture --param nap-ms=3000';
    const fixtures = path.resolve('test/fixtures/workloads');
    // a `clean --hosts` while the native workers nap on both hosts: it spares them (they are this live experiment's)
    let cleaned: Promise<Awaited<ReturnType<typeof runCli>>> | null = null;
    const r = await runCli(
      ['run', '--config', config, ...flags.split(' '), '--workload-dir', fixtures, '--output', out],
      (child) =>
        child.stderr!.on('data', (d: Buffer) => {
          if (!cleaned && /native-x2-r1: running/.test(d.toString()))
            cleaned = runCli(['clean', '--hosts', '--config', config]);
        }),
    );
    expect(r.code, r.stderr).toBe(0);
    const clean = await cleaned!;
    expect(clean.code, clean.stderr).toBe(0);
    // this experiment among the running ones (the unit lane's orchestrator tests may be running beside it)
    const id = JSON.parse(fs.readFileSync(path.join(r.stdout.trim(), 'experiment.json'), 'utf8')).experimentId;
    expect(clean.stderr).toMatch(new RegExp(`clean: skipping the runs of \\d+ running experiment.*\\b${id}\\b`));
    expect(clean.stdout).not.toMatch(/native worker/);
    expect(r.stderr).toMatch(/host h1: \d+ CPUs, kernel .*, clock [+-][\d.]+ ms/);
    // the accelerator is each host's own verdict, said before any VM starts there
    expect(r.stderr).toMatch(/h1: microvm: (TCG|KVM) — host h1: /);
    const dir = r.stdout.trim();
    const runs = readLines<RunRecord>(path.join(dir, 'runs.ndjson'));
    expect(runs.map((x) => `${x.env} ${x.status}`)).toEqual(runs.map((x) => `${x.env} ok`));
    expect(runs).toHaveLength(4);
    const placed = (env: string) => runs.find((x) => x.env === env)!.workers.map((w) => w.host);
    for (const env of ['docker', 'gvisor', 'microvm', 'native']) expect(placed(env)).toEqual(['h1', 'h2']);
    expect(gvisorOnH1(dir)).toMatchObject({ runtime: 'runsc', platform: 'ptrace' });
    // one checksum everywhere: the same work in every environment on both hosts
    expect(new Set(runs.flatMap((x) => x.workers.map((w) => w.checksum))).size).toBe(1);

    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'experiment.json'), 'utf8'));
    for (const h of ['h1', 'h2']) {
      expect(meta.hosts[h].hostKey).toBe(hosts.find((x) => x.name === h)!.hostKey);
      expect(Math.abs(meta.hosts[h].clockOffsetMs)).toBeLessThan(50); // the same clock, measured through SSH
      expect(meta.environments.docker.hosts[h].engineVersion).toBeTruthy();
      expect(meta.environments.microvm.hosts[h].accelerator).toMatch(/^(tcg|kvm)$/);
      expect(meta.environments.native.hosts[h]).toMatchObject({ runtime: 'image (chroot)' });
    }
    // the host view is each remote host's; every worker has its own view
    const { cols, rows } = sampleTable(path.join(dir, 'samples.ndjson'));
    const at = (c: string) => cols.indexOf(c);
    const views = (run: RunRecord, source: string) =>
      [
        ...new Set(
          rows.filter((s) => s[at('run')] === run.run && s[at('source')] === source).map((s) => s[at('worker')]),
        ),
      ].sort();
    // every worker of a run has its own view, on both hosts: a worker of a 1 s run may have no
    // sample of it (the stats API sends about a frame a second; a remote loop over SSH can start
    // late on a loaded machine), so each environment's views are looked at over all its runs
    const ownHosts = new Map<string, Set<string>>();
    for (const x of runs) {
      expect(views(x, 'host')).toEqual(['h1', 'h2']);
      const seen = views(x, x.workerSource!);
      expect(seen.every((w) => x.workers.some((k) => k.worker === w))).toBe(true);
      for (const w of x.workers.filter((k) => seen.includes(k.worker)))
        ownHosts.set(x.env, new Set([...(ownHosts.get(x.env) ?? []), w.host!]));
    }
    for (const env of ['docker', 'gvisor', 'microvm', 'native'])
      expect([...(ownHosts.get(env) ?? [])].sort(), env).toEqual(['h1', 'h2']);
    // QEMU on each host through the same VmMachine for both flavours (a q35 VM runs remotely as this microVM does;
    // qemu.test.ts boots the q35 machine here): the faster boot under TCG
    const qemu = runs.find((x) => x.env === 'microvm')!;
    expect(qemu.envFacts).toMatchObject({ accelerator: expect.stringMatching(/^(tcg|kvm)$/) });
    expect(views(qemu, 'process')).toEqual(['microvm-0', 'microvm-1']); // QEMU seen from its host
    expect(runs.find((x) => x.env === 'native')!.workers[0]!.limits?.via).toMatch(/^cgroup v/);
    // each VM's serial console comes back into the results, by host (named as on that host)
    for (const h of ['h1', 'h2'])
      expect(fs.existsSync(path.join(dir, 'artifacts', qemu.run, h, 'microvm-0.serial.log')), h).toBe(true);
    // the report has the per-host panel
    const report = path.join('reports', path.basename(dir));
    const spec = JSON.parse(fs.readFileSync(path.join(report, 'fig6-hosts.vl.json'), 'utf8'));
    expect(spec.facet.row.sort).toEqual(
      expect.arrayContaining(['Containers (docker) @ h1', 'microVMs (QEMU) @ h2', 'Native @ h1']),
    );
    // nothing left on either host: containers, VMs, native workers' cgroups, run folders
    for (const h of hosts) {
      expect(await containersOn(h)).toEqual([]);
      for (const sub of ['vms', 'native']) expect(filesIn(path.join(h.cacheDir, sub))).toEqual([]);
    }
    expect(ourVms()).toEqual([]);
    for (const parent of ['memory/versus-remote-native', 'versus-remote-native'])
      expect(fs.existsSync(path.join('/sys/fs/cgroup', parent))).toBe(false);
    fs.rmSync(report, { recursive: true, force: true });
  });

  it("a run's segment spans the hosts (VXLAN between their bridges): an echo from h1 to h2 natively and in gVisor, and one Dask job on both hosts with its scheduler on h1", async () => {
    const out = tmpDir('hosts-span');
    const file = path.join(out, 'span.yaml');
    fs.writeFileSync(
      file,
      YAML.stringify({
        ...YAML.parse(fs.readFileSync(config, 'utf8')),
        // gVisor is docker's path (the engine's network with a fixed subnet, run-wide addresses,
        // the overlay on the engine's bridge) plus its network runtime: one engine covers both
        environments: ['native', 'gvisor'],
        instances: [2],
        repetitions: 1,
        workloadDirs: [path.resolve('test/fixtures/workloads')],
        workloads: [{ name: 'echo-pair', preset: 'bulk' }],
        output: { dir: out },
      }),
    );
    const echo = await runCli(['run', '--config', file, '--no-report']);
    expect(echo.code, echo.stderr.slice(-3000)).toBe(0);
    // the job natively (the engines' share of it, the network, is the echo's; Dask in gVisor is slow to start)
    const job = await runCli([
      ...['run', '--config', file, '--no-report', '--env', 'native'],
      ...['--workload', 'cluster-pagerank', '--preset', 'tiny', '--param', 'check-single=true'],
    ]);
    expect(job.code, job.stderr.slice(-3000)).toBe(0);
    const runs = [echo, job].flatMap((r) => readLines<RunRecord>(path.join(r.stdout.trim(), 'runs.ndjson')));
    expect(runs.map((x) => `${x.workload} ${x.env} ${x.status}`).sort()).toEqual([
      'cluster-pagerank native ok',
      'echo-pair gvisor ok',
      'echo-pair native ok',
    ]);
    const samples = [echo, job].map((r) => sampleTable(path.join(r.stdout.trim(), 'samples.ndjson')));
    const moved = (run: string, worker: string, col: string) =>
      samples
        .flatMap(({ cols, rows }) =>
          rows
            .filter((x) => x[cols.indexOf('run')] === run && x[cols.indexOf('worker')] === worker)
            .filter((x) => ['process', 'docker-stats'].includes(x[cols.indexOf('source')] as string))
            .map((x) => (x[cols.indexOf(col)] as number | null) ?? 0),
        )
        .reduce((a, b) => a + b, 0);
    for (const run of runs) {
      const [first, second] = run.workers;
      // one worker per host, at run-wide addresses on one segment
      expect([first!.host, second!.host]).toEqual(['h1', 'h2']);
      expect(first!.address, run.run).toMatch(/^10\.\d+\.0\.2$/);
      expect(second!.address, run.run).toBe(first!.address!.replace(/\.2$/, '.3'));
      if (run.workload === 'echo-pair') {
        const echoed = second!.metrics.bytesEchoed!;
        expect(first!.metrics.serverBytes).toBe(echoed);
        // each end's own view counted it (a remote view may miss its last interval; a remote
        // engine's stats stream, a frame a second, may have none of a 1 s client: the server
        // is sampled once more after its clients ended)
        const ends: [string, string][] = [[first!.worker, 'netRxBytes']];
        if (run.env === 'native') ends.push([second!.worker, 'netTxBytes']);
        for (const [w, col] of ends) {
          expect(moved(run.run, w, col) / echoed, `${run.run} ${w}`).toBeGreaterThan(0.5);
          expect(moved(run.run, w, col) / echoed, `${run.run} ${w}`).toBeLessThan(1.1);
        }
        continue;
      }
      // the Dask job: scheduler and client on h1's bridge, both workers in, the single-process ranks agree
      const roles = run.workers.map((w) => `${w.role}${w.onHost ? '@host' : ''}@${w.host}`);
      expect(roles).toEqual(['worker@h1', 'worker@h2', 'scheduler@host@h1', 'client@host@h1']);
      const jobClient = run.workers.find((w) => w.role === 'client')!;
      expect(jobClient.metrics.clusterWorkers).toBe(2);
      expect(jobClient.metrics.singleMaxDiff).toBeLessThanOrEqual(1e-9);
      expect(moved(run.run, second!.worker, 'netRxBytes'), run.run).toBeGreaterThan(0);
    }
    // nothing of the runs' segments is left on either host, nor any namespace
    for (const h of hosts)
      expect(execFileSync('ip', ['-n', `vs-${h.name}`, '-br', 'link'], { encoding: 'utf8' })).not.toMatch(
        /^vs[bvhxe]/m,
      );
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toMatch(/^versus-/m);
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

  it('a host that drops off the network mid-run fails its workers by name; clean --hosts kills what kept running there', async () => {
    const h2 = hosts[1]!;
    const out = tmpDir('hosts-unplugged');
    const flags = '--env native --instances 2 --repetitions 1 --preset tiny --param iterations=20000 --no-report';
    const started = () => workersOf(h2).length > 0;
    try {
      const r = await runCli(['run', '--config', config, ...flags.split(' '), '--output', out], (child) => {
        const poll = setInterval(() => {
          if (started()) {
            clearInterval(poll);
            setTimeout(() => rig('unplug', 'h2'), 1000);
          }
        }, 200);
        child.on('close', () => clearInterval(poll));
      });
      expect(r.code).toBe(1);
      const [run] = readLines<RunRecord>(path.join(r.stdout.trim(), 'runs.ndjson'));
      expect(run!.status).toBe('failed');
      expect(run!.reason).toMatch(/native-1: host h2: .*connection lost/);
      expect(run!.reason).not.toMatch(/host h1/);
      expect(workersOf(hosts[0]!)).toEqual([]);
    } finally {
      rig('plug', 'h2');
    }
    // the worker on h2 never heard of it: it runs on, or (its short job done) its cgroup and pid
    // file stay, until clean --hosts — which of the two depends on this machine's speed
    const left = workersOf(h2);
    const clean = await runCli(['clean', '--hosts', '--config', config]);
    expect(clean.code, clean.stderr).toBe(0);
    // the worker killed, or (when its short job ended first) its cgroup removed
    expect(clean.stdout).toMatch(/native worker (pid \d+ on h2|cgroup h2-)/);
    expect(workersOf(h2, left)).toEqual([]);
  });

  it('a host that cannot be reached at the start is one error naming it, as doctor --hosts says beforehand', async () => {
    const [h1] = hosts as [RigHost];
    const ghost = { ...h1, name: 'h9', address: '10.88.0.9' };
    const file = path.join(tmpDir('hosts-ghost'), 'hosts.yaml');
    fs.writeFileSync(
      file,
      YAML.stringify({
        hosts: [h1, ghost].map((h) => ({
          name: h.name,
          ssh: {
            host: h.address,
            key: h.key,
            proxyCommand: [...h.proxyCommand.slice(0, -2), h.address, '22'],
            // the ghost never answers: given up on after 8 s (the default 20 s)
            connectTimeoutS: 8,
          },
          environments: ['native'],
          cacheDir: h.cacheDir,
        })),
      }),
    );
    const r = await runCli(['run', '--config', file, '--env', 'native', '--instances', '2', '--preset', 'tiny']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/host h9: unreachable over SSH \(root@10\.88\.0\.9:22\)/);
    expect(r.stderr).not.toMatch(/host h1: unreachable/);
    expect(workersOf(h1)).toEqual([]);
    // doctor --hosts says the same before anything is run, and checks what the others offer there
    const doctor = await runCli(['doctor', '--hosts', '--config', file]);
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(/host h9\n\s+MISS\s+ssh\s+host h9: unreachable over SSH/);
    const all = await runCli(['doctor', '--hosts', '--config', config]);
    expect(all.code, all.stdout).toBe(0);
    for (const check of [
      /host h1\n\s+ok\s+ssh\s+\d+ CPUs/,
      /ok\s+docker: docker engine\s+\S+ \(API [\d.]+\) on \/run\/versus-hosts\/h2\/docker\.sock/,
      /ok\s+gvisor: runsc runtime\s+registered/,
      /ok\s+microvm: qemu\s+\//,
      /ok\s+native: cgroups\s+v[12]/,
    ])
      expect(all.stdout).toMatch(check);
  });
});
