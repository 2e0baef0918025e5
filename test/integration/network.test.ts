// Workers that talk, on real engines and real kernel networks: iperf3 and sockperf between
// a server worker and a client in docker and native, on the run's own bridge and in the
// host's namespace; the counters of the workers' own views against what the tool moved; a
// server killed mid-run; nothing of any run left afterwards (namespace, bridge, network).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/results/types.js';
import { docker, pidsWithCmdline, readLines, runCli, sampleTable, tmpDir } from './helpers.js';

const FIXTURES = path.resolve('test/fixtures/workloads');

/** What a run left on this machine's kernel and on the engine: namespaces, bridges, engine networks. */
async function networkLeftovers(): Promise<string[]> {
  const netns = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.startsWith('versus-'));
  const bridges = fs.readdirSync('/sys/class/net').filter((l) => /^vs[bvthe]/.test(l));
  const networks = (await docker.listNetworks({ filters: { label: ['versus.owner=versus'] } })).map((n) => n.Name);
  return [...netns, ...bridges, ...networks];
}

/** Bytes each worker's own view counted over a run, received and sent. */
function counted(dir: string, run: string, ...sources: string[]): Map<string, { rx: number; tx: number }> {
  const { cols, rows } = sampleTable(path.join(dir, 'samples.ndjson'));
  const at = (name: string) => cols.indexOf(name);
  const out = new Map<string, { rx: number; tx: number }>();
  const views = sources.length ? sources : ['process', 'cgroup'];
  for (const r of rows) {
    if (r[at('run')] !== run || !views.includes(r[at('source')] as string)) continue;
    const w = out.get(r[at('worker')] as string) ?? { rx: 0, tx: 0 };
    w.rx += (r[at('netRxBytes')] as number | null) ?? 0;
    w.tx += (r[at('netTxBytes')] as number | null) ?? 0;
    out.set(r[at('worker')] as string, w);
  }
  return out;
}

async function runNetwork(args: string[]) {
  const out = tmpDir('network');
  const r = await runCli(['run', '--repetitions', '1', '--settle', '200', '--no-report', '-o', out, ...args]);
  const dir = path.join(out, fs.readdirSync(out)[0] ?? '');
  return { ...r, dir, runs: readLines<RunRecord>(path.join(dir, 'runs.ndjson')) };
}

describe('the network suite on its own segment and on the host', () => {
  it('iperf3, sockperf, redis and mariadb run between a server and a client on the bridge in docker and native; the counters see what iperf3 moved', async () => {
    const workloads = 'iperf3,sockperf,redis,mariadb';
    const r = await runNetwork(['--env', 'docker,native', '--workload', workloads, '--instances', '2']);
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    const others = r.runs;
    expect(others.map((x) => `${x.env} ${x.workload} ${x.status} ${x.reason}`).sort()).toEqual([
      'docker iperf3 ok null',
      'docker mariadb ok null',
      'docker redis ok null',
      'docker sockperf ok null',
      'native iperf3 ok null',
      'native mariadb ok null',
      'native redis ok null',
      'native sockperf ok null',
    ]);
    for (const run of others) {
      expect(run.network).toBe('bridge');
      const [server, client] = run.workers;
      expect([server!.role, client!.role]).toEqual(['server', 'client']);
      // each worker has an address of its own on the run's segment, the client was told the server's
      expect(server!.address).not.toBe(client!.address);
      expect(run.peers![0]!.startsWith(`${server!.address}:`)).toBe(true);
      if (run.workload === 'redis') {
        // the SETs arrived: the server holds keys, no more than the keyspace
        expect(server!.metrics.keys).toBeGreaterThan(0);
        expect(server!.metrics.keys).toBeLessThanOrEqual(100_000);
        expect(client!.metrics.getPerSecond).toBeGreaterThan(0);
        continue;
      }
      if (run.workload === 'mariadb') {
        // the tiny preset's 300 transactions, committed; the server's tables checked, full and changed
        expect(client!.metrics.transactions).toBe(300);
        expect(client!.metrics.latencyP95Ms).toBeGreaterThanOrEqual(client!.metrics.latencyAvgMs! * 0.5);
        expect(server!.metrics.tablesChanged).toBe(2);
        continue;
      }
      if (run.workload !== 'iperf3') {
        expect(client!.metrics.p50Us).toBeGreaterThan(0);
        expect(client!.metrics.p99Us).toBeGreaterThanOrEqual(client!.metrics.p50Us!);
        continue;
      }
      const moved = client!.metrics.mibMoved! * 2 ** 20;
      expect(server!.metrics.serverMiB! * 2 ** 20).toBe(moved);
      const bytes = counted(r.dir, run.run);
      // the server is sampled once more after the client ended: its receive counter saw all of it
      const serverRx = bytes.get(server!.worker)!.rx;
      expect(serverRx / moved, run.run).toBeGreaterThan(1);
      expect(serverRx / moved, run.run).toBeLessThan(1.1);
      // the client's own view ends with its process: its last interval may be missing
      const clientTx = bytes.get(client!.worker)!.tx;
      expect(clientTx / moved, run.run).toBeGreaterThan(0.5);
      expect(clientTx / moved, run.run).toBeLessThan(1.1);
    }
    expect(await networkLeftovers()).toEqual([]);
  });

  it("gVisor's and Podman's workers talk over the run's network; the counters see what was echoed", async () => {
    const args = ['--env', 'gvisor,podman', '--workload', 'echo-pair', '--workload-dir', FIXTURES, '--preset', 'bulk'];
    const r = await runNetwork([...args, '--instances', '2']);
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    expect(r.runs.map((x) => x.env).sort()).toEqual(['gvisor', 'podman']);
    for (const run of r.runs) {
      expect(run.status, run.reason ?? '').toBe('ok');
      const [server, client] = run.workers;
      const echoed = client!.metrics.bytesEchoed!;
      expect(server!.metrics.serverBytes).toBe(echoed);
      const bytes = counted(r.dir, run.run);
      expect(bytes.get(server!.worker)!.rx / echoed, run.env).toBeGreaterThan(1);
      expect(bytes.get(server!.worker)!.rx / echoed, run.env).toBeLessThan(1.1);
      expect(bytes.get(server!.worker)!.tx / echoed, run.env).toBeGreaterThan(1);
    }
    expect(await networkLeftovers()).toEqual([]);
  });

  it("a client on the host (Felter's external client) reaches the server through each environment's segment", async () => {
    const args = ['--env', 'docker,native,podman', '--workload', 'echo-pair', '--workload-dir', FIXTURES];
    const r = await runNetwork([...args, '--preset', 'bulk', '--instances', '1', '--place', 'client=host']);
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    expect(r.runs.map((x) => x.env).sort()).toEqual(['docker', 'native', 'podman']);
    for (const run of r.runs) {
      expect(run.status, run.reason ?? '').toBe('ok');
      const [server, client] = run.workers;
      expect([server!.worker, server!.role, server!.onHost]).toEqual([`${run.env}-0`, 'server', undefined]);
      expect([client!.worker, client!.role, client!.onHost]).toEqual(['host-0', 'client', true]);
      // the harness's pick at the top of the segment's subnet, beside the server's address
      expect(client!.address, run.env).toMatch(/\.255\.254$|\.0\.254$/);
      expect(run.peers).toEqual([`${server!.address}:7007`]);
      const echoed = client!.metrics.bytesEchoed!;
      expect(server!.metrics.serverBytes).toBe(echoed);
      // the client's namespace is its own: its counters are what it sent
      const bytes = counted(r.dir, run.run);
      expect(bytes.get('host-0')!.tx / echoed, run.env).toBeGreaterThan(0.5);
      expect(bytes.get(server!.worker)!.rx / echoed, run.env).toBeGreaterThan(1);
      expect(bytes.get(server!.worker)!.rx / echoed, run.env).toBeLessThan(1.1);
    }
    expect(await networkLeftovers()).toEqual([]);
  });

  // microVMs (the same QEMU taps and guest sampler as the q35 VM, a faster boot under TCG);
  // a q35 VM's NIC on a bridge is vagrant.test.ts's, with a client on the host
  it("two microVMs talk over taps on the run's bridge: iperf3 between them, the taps' counters on the host, each guest's own view", async () => {
    const r = await runNetwork(['--env', 'microvm', '--workload', 'iperf3', '--instances', '2']);
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    const [run] = r.runs;
    expect(run!.status, run!.reason ?? '').toBe('ok');
    // sampled from inside, as a VM is
    expect(run!.workerSource).toBe('guest');
    const [server, client] = run!.workers;
    expect([server!.address, client!.address]).toEqual(['10.77.0.2', '10.77.0.3']);
    // the machine each guest saw, recorded so that flavours can be compared as machines too
    for (const w of [server!, client!]) {
      expect(w.machine?.cpuModel, w.worker).toMatch(/\S/);
      expect(w.machine?.cpuFlags, w.worker).toBeGreaterThan(10);
      expect(w.machine?.clocksource, w.worker).toMatch(/^[\w-]+$/);
    }
    const moved = client!.metrics.mibMoved! * 2 ** 20;
    expect(server!.metrics.serverMiB! * 2 ** 20).toBe(moved);
    const tap = counted(r.dir, run!.run);
    expect(tap.get(server!.worker)!.rx / moved).toBeGreaterThan(1);
    expect(tap.get(server!.worker)!.rx / moved).toBeLessThan(1.1);
    expect(tap.get(client!.worker)!.tx / moved).toBeGreaterThan(0.5);
    // the guest's own view of its segment NIC agrees with the tap's (its last interval may be missing)
    const guest = counted(r.dir, run!.run, 'guest');
    expect(guest.get(server!.worker)!.rx / moved).toBeGreaterThan(0.5);
    expect(guest.get(server!.worker)!.rx / moved).toBeLessThan(1.1);
    expect(await networkLeftovers()).toEqual([]);
  });

  it('iperf3 in the host namespace (the no-isolation anchor): loopback, a free port, no counters of its own', async () => {
    const r = await runNetwork([
      '--env',
      'docker,native',
      '--workload',
      'iperf3',
      '--instances',
      '3',
      '--network',
      'host',
    ]);
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    for (const run of r.runs) {
      expect(run.status, run.reason ?? '').toBe('ok');
      expect(run.network).toBe('host');
      expect(run.workers.map((w) => w.address)).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1']);
      expect(run.peers![0]).toMatch(/^127\.0\.0\.1:\d+$/);
      // two clients, one iperf3 server each, all of it served
      expect(run.workers[0]!.metrics.clientsServed).toBe(2);
      expect([...counted(r.dir, run.run).values()].every((w) => w.rx === 0 && w.tx === 0)).toBe(true);
    }
    expect(await networkLeftovers()).toEqual([]);
    // the report's network section: docker host against the native host anchor, Felter beside it
    const report = await runCli(['report', r.dir, '--out', tmpDir('network-report'), '--format', 'html']);
    expect(report.code, report.stderr).toBe(0);
    const html = fs.readFileSync(report.stdout.trim(), 'utf8');
    expect(html).toContain('Network: throughput and latency per environment and network mode');
    expect(html).toContain('Reference: Felter et al. 2014');
  });

  it('a server killed mid-run fails the run naming the server and the client that lost it', async () => {
    let killed = false;
    const out = tmpDir('network-kill');
    const args = ['run', '--env', 'native', '--workload', 'echo-pair', '--workload-dir', FIXTURES, '--instances', '2'];
    args.push('--param', 'messages=100000000', '--repetitions', '1', '--no-report', '-o', out);
    const r = await runCli(args, (child) => {
      child.stderr!.on('data', (d: Buffer) => {
        if (killed || !d.toString().includes(': running')) return;
        killed = true;
        setTimeout(() => {
          for (const pid of pidsWithCmdline('--role=server')) process.kill(pid, 'SIGKILL');
        }, 500);
      });
    });
    expect(killed).toBe(true);
    expect(r.code).toBe(1);
    const dir = path.join(out, fs.readdirSync(out)[0]!);
    const [run] = readLines<RunRecord>(path.join(dir, 'runs.ndjson'));
    expect(run!.status).toBe('failed');
    expect(run!.reason).toMatch(/^native-0 \(role server\) ended while its clients ran: killed by SIGKILL/);
    expect(run!.reason).toContain('its clients lost it: native-1 (role client): exit code 1');
    expect(await networkLeftovers()).toEqual([]);
  });

  it('a killed harness leaves its segments behind; versus clean names and removes every one', async () => {
    let killed = false;
    const out = tmpDir('network-crash');
    const args = ['run', '--env', 'docker,native', '--workload', 'echo-pair', '--workload-dir', FIXTURES];
    // the client on the host: its endpoint (a namespace and a veth on the run's segment) is left behind too
    args.push('--instances', '1', '--place', 'client=host');
    args.push('--param', 'messages=100000000', '--repetitions', '1', '--no-report', '-o', out);
    const r = await runCli(args, (child) => {
      child.stderr!.on('data', (d: Buffer) => {
        if (killed || !d.toString().includes(': running')) return;
        killed = true;
        child.kill('SIGKILL');
      });
    });
    expect(killed).toBe(true);
    expect(r.signal).toBe('SIGKILL');
    expect((await networkLeftovers()).some((x) => /^versus-.*-h0\b/.test(x))).toBe(true);
    const clean = await runCli(['clean']);
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stdout).toMatch(/removed (netns versus-|network versus-)/);
    expect(await networkLeftovers()).toEqual([]);
  });
});
