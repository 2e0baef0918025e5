// One job across N workers on real engines and kernels: the cluster PageRank on Dask
// distributed, its scheduler and client on the host (each in a namespace of versus's own on
// the run's segment), one Dask worker per container, VM or native namespace. One checksum
// for every cluster size and environment, the single-process workload agreeing on the same
// data, a worker killed mid-job failing the run by name, nothing left behind.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/results/types.js';
import { docker, pidsWithCmdline, readLines, runCli, tmpDir } from './helpers.js';

async function leftovers(): Promise<string[]> {
  const netns = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.startsWith('versus-'));
  const links = fs.readdirSync('/sys/class/net').filter((l) => /^vs[bvthe]/.test(l));
  const networks = (await docker.listNetworks({ filters: { label: ['versus.owner=versus'] } })).map((n) => n.Name);
  return [...netns, ...links, ...networks, ...pidsWithCmdline('dask_roles.py').map((p) => `pid ${p}`)];
}

async function runCluster(args: string[], onChild?: Parameters<typeof runCli>[1]) {
  const out = tmpDir('cluster');
  const r = await runCli(['run', '--repetitions', '1', '--settle', '200', '--no-report', '-o', out, ...args], onChild);
  const dir = path.join(out, fs.readdirSync(out)[0] ?? '');
  return { ...r, dir, runs: readLines<RunRecord>(path.join(dir, 'runs.ndjson')) };
}

const client = (run: RunRecord) => run.workers.find((w) => w.role === 'client')!;

describe('the cluster PageRank on Dask distributed', () => {
  /** the first checksum of each job */
  const reference = new Map<string, string>();

  // sizes 3 natively, 1 and 2 in docker (2 natively, in gVisor and in VMs below): each Dask
  // process costs seconds of start-up here
  it('the cluster suite: a cluster of 3 natively and of 1 and 2 in docker give one checksum per job, the single-process workloads agree', async () => {
    const suite = ['--suite', 'cluster', '--preset', 'tiny'];
    const native = await runCluster([...suite, '--env', 'native', '--instances', '3', '--param', 'check-single=true']);
    expect(native.code, native.stderr.slice(-3000)).toBe(0);
    // in docker the two jobs with a shuffle, on clusters of 1 and 2: the scheduler and client
    // reach them over the engine's network, the two workers each other
    const docker = await runCluster([
      ...['--workload', 'cluster-pagerank,cluster-sqljoin', '--preset', 'tiny'],
      ...['--env', 'docker', '--instances', '1,2'],
    ]);
    expect(docker.code, docker.stderr.slice(-3000)).toBe(0);
    const runs = [...native.runs, ...docker.runs];
    expect(runs).toHaveLength(8);
    for (const run of runs) {
      expect(run.status, run.reason ?? '').toBe('ok');
      const roles = run.workers.map((w) => `${w.role}${w.onHost ? '@host' : ''}`);
      expect(roles).toEqual([...Array(run.instances).fill('worker'), 'scheduler@host', 'client@host']);
      // every worker of the environment registered, and the job ran on all of them
      expect(client(run).metrics.clusterWorkers, run.run).toBe(run.instances);
      expect(run.workers.find((w) => w.role === 'scheduler')!.metrics.workersSeen, run.run).toBe(run.instances);
      if (run.env === 'native') expect(client(run).metrics.singleMaxDiff, run.run).toBeLessThanOrEqual(1e-9);
      reference.set(run.workload!, reference.get(run.workload!) ?? run.checksum!);
      expect(run.checksum, run.run).toBe(reference.get(run.workload!));
    }
    expect(reference.size).toBe(4);
    const pagerank = runs.filter((x) => x.workload === 'cluster-pagerank');
    for (const run of pagerank) expect(client(run).metrics.shuffleMiB! > 0, run.run).toBe(run.instances > 1);
    expect(await leftovers()).toEqual([]);
  });

  it("clusters of 2 in gVisor and in two microVMs give native's ranks, their workers shuffling to each other", async () => {
    // a short job (TCG runs Python slowly here): two partitions, three iterations; microVMs,
    // the same guest userland as the q35 VM's with a faster boot under TCG
    const args = ['--workload', 'cluster-pagerank', '--param', 'partitions=2', '--param', 'iterations=3'];
    const r = await runCluster([...args, '--env', 'native,gvisor,microvm', '--instances', '2']);
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    expect(r.runs.map((x) => x.env).sort()).toEqual(['gvisor', 'microvm', 'native']);
    for (const run of r.runs) {
      expect(run.status, run.reason ?? '').toBe('ok');
      expect(client(run).metrics.clusterWorkers, run.run).toBe(2);
      expect(client(run).metrics.shuffleMiB! > 0, run.run).toBe(true);
    }
    expect(new Set(r.runs.map((x) => x.checksum)).size).toBe(1);
    expect(await leftovers()).toEqual([]);
  });

  it('a Dask worker killed mid-job fails the run naming it; scheduler, client and the rest torn down', async () => {
    let killed = false;
    const args = [
      '--workload',
      'cluster-pagerank',
      '--env',
      'native',
      '--instances',
      '2',
      '--param',
      'iterations=10000',
    ];
    const r = await runCluster(args, (child) => {
      child.stderr!.on('data', (d: Buffer) => {
        if (killed || !d.toString().includes(': running')) return;
        killed = true;
        setTimeout(() => {
          for (const pid of pidsWithCmdline('--name\u0000w1\u0000')) process.kill(pid, 'SIGKILL');
        }, 1500);
      });
    });
    expect(killed).toBe(true);
    expect(r.code).toBe(1);
    const [run] = r.runs;
    expect(run!.status).toBe('failed');
    expect(run!.reason).toMatch(/^native-1 \(role worker\) ended while its clients ran: /);
    expect(run!.reason).toContain('host-1 (role client)');
    // the engine's own view of the lost worker beside the harness's
    expect(run!.reason).toMatch(/dask worker (SIGKILL|exit)/);
    expect(await leftovers()).toEqual([]);
  });
});
