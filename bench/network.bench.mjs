#!/usr/bin/env node
// Every network mode's cost against the no-isolation anchor, measured in the same run:
// iperf3 throughput, sockperf round-trip latency and MariaDB under sysbench oltp_read_write
// (transactions/s, p95) between two workers, through versus, in
// docker and native on the run's own bridge and in the host's namespace; beside them the
// same Debian tools run by hand on 127.0.0.1 (the anchor, and the check that versus itself
// adds nothing to what the tool measures). Rounds interleave everything, the order rotating
// per round, because this machine's speed drifts by up to 2x within minutes; ratios are
// per round, then the median and the range.
//   node bench/network.bench.mjs [--rounds 3] [--seconds 3]   (needs a Docker Engine: scripts/with-docker.sh)
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { argOf, range, versusRuns } from './lib.mjs';

const rounds = Number(argOf('rounds', 3));
const seconds = Number(argOf('seconds', 3));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'versus-network-bench-'));

/**
 * A fresh mariadbd by hand on 127.0.0.1, its database prepared by sysbench (the workload's
 * defaults): a new one per round, as versus starts a new server per run.
 */
function handMariadb(port) {
  const dir = path.join(tmp, `mariadb-${port}`);
  const sock = path.join(dir, 'sock');
  execFileSync('mariadb-install-db', ['--no-defaults', `--datadir=${dir}/data`, '--user=root', '--skip-test-db'], {
    stdio: 'ignore',
  });
  const server = spawn(
    'mariadbd',
    ['--no-defaults', `--datadir=${dir}/data`, `--socket=${sock}`, `--port=${port}`, '--bind-address=127.0.0.1'].concat(
      ['--user=root', '--skip-name-resolve', '--skip-log-bin', '--innodb-buffer-pool-size=128M'],
    ),
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 300 && !fs.existsSync(sock); i++) execFileSync('sleep', ['0.1']);
  const sql =
    "CREATE DATABASE sbtest; CREATE USER 'sbtest'@'%' IDENTIFIED BY 'versus'; GRANT ALL ON sbtest.* TO 'sbtest'@'%';";
  execFileSync('mariadb', ['--no-defaults', '-S', sock, '-uroot', '-e', sql]);
  execFileSync('sysbench', [...SYSBENCH, `--mysql-socket=${sock}`, 'prepare'], { stdio: 'ignore' });
  return server;
}
const SYSBENCH = ['oltp_read_write', '--tables=4', '--table-size=10000', '--db-driver=mysql', '--mysql-db=sbtest'];
SYSBENCH.push('--mysql-user=sbtest', '--mysql-password=versus');
let mariadbPort = 13306;

/** The tools by hand on loopback: the anchor every mode is divided by. */
function byHand() {
  const port = 15201;
  const server = spawn('iperf3', ['-s', '-1', '-B', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  execFileSync('sleep', ['0.3']);
  const j = JSON.parse(
    execFileSync('iperf3', ['-c', '127.0.0.1', '-p', String(port), '-t', String(seconds), '-J'], { encoding: 'utf8' }),
  );
  server.kill();
  const conf = path.join(tmp, 'sockperf.conf');
  fs.writeFileSync(conf, `T:127.0.0.1:${port + 1}\n`);
  const sp = spawn('sockperf', ['server', '-f', conf, '-F', 'epoll'], { stdio: 'ignore' });
  execFileSync('sleep', ['0.3']);
  const text = execFileSync(
    'sockperf',
    ['ping-pong', '--tcp', '--full-rtt', '-i', '127.0.0.1', '-p', String(port + 1), '-t', String(seconds), '-m', '64'],
    { encoding: 'utf8' },
  ).replaceAll(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '');
  sp.kill('SIGINT');
  const dbPort = ++mariadbPort;
  const mariadbd = handMariadb(dbPort);
  const sb = execFileSync(
    'sysbench',
    [...SYSBENCH, '--mysql-host=127.0.0.1', `--mysql-port=${dbPort}`, '--events=0', `--time=${seconds}`].concat([
      '--percentile=95',
      'run',
    ]),
    { encoding: 'utf8' },
  );
  mariadbd.kill();
  return {
    tps: Number(/transactions:\s+\d+\s+\(([\d.]+) per sec/.exec(sb)[1]),
    p95: Number(/95th percentile:\s+([\d.]+)/.exec(sb)[1]),
    gbit: j.end.sum_received.bits_per_second / 1e9,
    p50: Number(/percentile 50\.000 =\s*([\d.]+)/.exec(text)[1]),
    p99: Number(/percentile 99\.000 =\s*([\d.]+)/.exec(text)[1]),
  };
}

/** versus run of both workloads in docker and native with one network mode: per env, its numbers. */
function throughVersus(network) {
  const args = ['--env', 'docker,native', '--workload', 'iperf3,sockperf,mariadb', '--instances', '2'];
  args.push('--repetitions', '1', '--network', network);
  args.push('--param', `seconds=${seconds}`, '--param', 'mariadb.events=0', '--seed', String(Date.now() % 1000));
  const by = {};
  for (const r of versusRuns(args, tmp)) {
    const m = r.workers.find((w) => w.role === 'client').metrics;
    by[r.env] ??= {};
    if (r.workload === 'iperf3') by[r.env].gbit = m.gbitPerSecond;
    else if (r.workload === 'mariadb') Object.assign(by[r.env], { tps: m.transactionsPerSecond, p95: m.latencyP95Ms });
    else Object.assign(by[r.env], { p50: m.p50Us, p99: m.p99Us });
  }
  return by;
}

const rows = new Map(); // "env mode" → per-round ratios
const anchors = [];
const add = (key, ratio) => rows.set(key, [...(rows.get(key) ?? []), ratio]);
const steps = ['hand', 'host', 'bridge'];
for (let round = 0; round < rounds; round++) {
  const order = steps.map((_, i) => steps[(i + round) % steps.length]);
  const got = {};
  for (const step of order) {
    process.stderr.write(`round ${round + 1}/${rounds}: ${step}\n`);
    got[step] = step === 'hand' ? byHand() : throughVersus(step);
  }
  anchors.push(got.hand);
  for (const mode of ['host', 'bridge'])
    for (const env of ['native', 'docker']) {
      const m = got[mode][env];
      add(`${env} ${mode}|throughput`, m.gbit / got.hand.gbit);
      add(`${env} ${mode}|p50`, m.p50 / got.hand.p50);
      add(`${env} ${mode}|p99`, m.p99 / got.hand.p99);
      add(`${env} ${mode}|tps`, got.hand.tps / m.tps);
      add(`${env} ${mode}|p95`, m.p95 / got.hand.p95);
    }
}

const fmt = (xs) => range(xs);
const anchor = (k) => fmt(anchors.map((a) => a[k]));
console.log(
  `\nanchor, by hand on 127.0.0.1 (median, range over ${rounds} rounds): iperf3 ${anchor('gbit')} Gbit/s, sockperf p50 ${anchor('p50')} µs, p99 ${anchor('p99')} µs, sysbench oltp_read_write ${anchor('tps')} tx/s, p95 ${anchor('p95')} ms`,
);
console.log(
  '\n| environment, network | throughput / anchor | p50 latency / anchor | p99 latency / anchor | MariaDB anchor tx/s ÷ this | MariaDB p95 / anchor |',
);
console.log('|---|---|---|---|---|---|');
for (const key of ['native host', 'docker host', 'native bridge', 'docker bridge'])
  console.log(
    `| ${key} | ${['throughput', 'p50', 'p99', 'tps', 'p95'].map((k) => fmt(rows.get(`${key}|${k}`))).join(' | ')} |`,
  );
const bridgeOverHost = rows.get('docker bridge|p50').map((x, i) => x / rows.get('docker host|p50')[i]);
console.log(
  `\ndocker bridge / docker host p50 latency, per round: ${fmt(bridgeOverHost)} (Felter et al.: NAT about 2x; here no NAT, see docs/network.md)`,
);
fs.rmSync(tmp, { recursive: true, force: true });
