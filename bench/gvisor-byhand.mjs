#!/usr/bin/env node
// gVisor's network servers, checked by hand: redis-benchmark GET and MariaDB under sysbench
// oltp_read_write (the network suite's tiny presets) in containers made with the docker CLI
// alone — runc, and runsc as the engine's runsc-net runtime (ptrace platform, the namespace
// the engine made) — on an internal network of their own, each container held to 1 CPU and
// 1 GiB as versus's workers are, and runsc once more without the CPU quota (does holding the
// sandbox's own threads to the quota make the difference?); beside them the same two
// workloads through versus (docker, gvisor), and the syscall cost in each runtime (dd with
// 1-byte blocks: 400 000 read/write calls). Rounds interleave everything, the order rotating,
// because this machine's speed drifts by up to 2x within minutes; ratios are per round, then
// the median and the range.
//   scripts/with-docker.sh node bench/gvisor-byhand.mjs [--rounds 2]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { argOf, range, versusRuns } from './lib.mjs';

const rounds = Number(argOf('rounds', 2));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'versus-gvisor-bench-'));
const net = `versus-bench-${process.pid}`;
const docker = (...args) => execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const image = docker('images', 'versus/worker', '--format', '{{.Repository}}:{{.Tag}}').trim().split('\n')[0];
if (!image) throw new Error('no versus/worker image: run `node dist/cli.js image build` first');

// the MariaDB server by hand: the options the workload gives mariadbd, a database sysbench prepares
fs.writeFileSync(
  path.join(tmp, 'mariadb.sh'),
  `set -e
d=/tmp/db; mkdir -p $d
mariadb-install-db --no-defaults --datadir=$d/data --user=root --auth-root-authentication-method=normal --skip-test-db --innodb-use-native-aio=0 >/dev/null 2>&1
mariadbd --no-defaults --innodb-use-native-aio=0 --datadir=$d/data --socket=$d/s --port=3306 --bind-address=0.0.0.0 --user=root --skip-name-resolve --skip-log-bin --innodb-buffer-pool-size=32M >$d/log 2>&1 &
for i in $(seq 1 240); do [ -S $d/s ] && break; sleep 0.5; done
mariadb --no-defaults -S $d/s -uroot -e "CREATE DATABASE sbtest; CREATE USER 'sb'@'%' IDENTIFIED BY 'sb'; GRANT ALL ON sbtest.* TO 'sb'@'%';"
sysbench oltp_read_write --tables=2 --table-size=1000 --db-driver=mysql --mysql-db=sbtest --mysql-socket=$d/s --mysql-user=sb --mysql-password=sb prepare >/dev/null
echo READY
wait
`,
);

/** One server container and one client container of a runtime; the client's output. */
function serverAndClient(runtime, limits, server, client, ready) {
  const name = `versus-bench-srv-${process.pid}`;
  const common = ['--network', net, '--runtime', runtime, ...limits, '-m', '1g'];
  docker('run', '-d', '--name', name, ...common, '-v', `${tmp}:/b:ro`, image, ...server);
  try {
    for (let i = 0; i < 240 && !ready(docker('logs', name)); i++) execFileSync('sleep', ['0.5']);
    return docker('run', '--rm', ...common, image, ...client(name));
  } finally {
    docker('rm', '-f', name);
  }
}

function redisByHand(runtime, limits) {
  const out = serverAndClient(
    runtime,
    limits,
    ['redis-server', '--protected-mode', 'no', '--save', '', '--appendonly', 'no'],
    (host) => [
      'redis-benchmark',
      '-h',
      host,
      '-t',
      'set,get',
      '-n',
      '20000',
      '-c',
      '4',
      '-P',
      '1',
      '-r',
      '100000',
      '--csv',
    ],
    (log) => log.includes('Ready to accept connections'),
  );
  return Number(/"GET","([\d.]+)"/.exec(out)[1]);
}

function mariadbByHand(runtime, limits) {
  const out = serverAndClient(
    runtime,
    limits,
    ['sh', '/b/mariadb.sh'],
    (host) =>
      [
        'sysbench',
        'oltp_read_write',
        '--tables=2',
        '--table-size=1000',
        '--db-driver=mysql',
        '--mysql-db=sbtest',
      ].concat([
        `--mysql-host=${host}`,
        '--mysql-user=sb',
        '--mysql-password=sb',
        '--threads=1',
        '--events=300',
        '--time=0',
        'run',
      ]),
    (log) => log.includes('READY'),
  );
  return Number(/transactions:\s+\d+\s+\(([\d.]+) per sec/.exec(out)[1]);
}

/** Nanoseconds per system call: dd copying 200 000 single bytes (a read and a write each). */
function syscallNs(runtime) {
  const script =
    's=$(date +%s%N); dd if=/dev/zero of=/dev/null bs=1 count=200000 2>/dev/null; e=$(date +%s%N); echo $((e-s))';
  return (
    Number(docker('run', '--rm', '--runtime', runtime, '--cpus', '1', '--network', 'none', image, 'sh', '-c', script)) /
    400000
  );
}

function throughVersus() {
  const runs = versusRuns(
    ['--env', 'docker,gvisor', '--workload', 'redis,mariadb', '--preset', 'tiny', '--instances', '2'].concat([
      '--repetitions',
      '1',
      '--no-canary',
    ]),
    tmp,
  );
  const by = {};
  for (const r of runs) {
    const m = r.workers.find((w) => w.role === 'client').metrics;
    by[`${r.workload} ${r.env}`] = r.workload === 'redis' ? m.getPerSecond : m.transactionsPerSecond;
  }
  return by;
}

const ratios = new Map();
const values = new Map();
const add = (map, key, x) => map.set(key, [...(map.get(key) ?? []), x]);
const steps = {
  hand: () => {
    const one = ['--cpus', '1'];
    const got = {
      'redis runc': redisByHand('runc', one),
      'redis runsc': redisByHand('runsc-net', one),
      'redis runsc, no quota': redisByHand('runsc-net', []),
      'mariadb runc': mariadbByHand('runc', one),
      'mariadb runsc': mariadbByHand('runsc-net', one),
      'mariadb runsc, no quota': mariadbByHand('runsc-net', []),
    };
    for (const [k, v] of Object.entries(got)) add(values, `by hand: ${k}`, v);
    for (const w of ['redis', 'mariadb']) {
      add(ratios, `${w}: by hand, runsc / runc`, got[`${w} runc`] / got[`${w} runsc`]);
      add(ratios, `${w}: by hand, runsc without the quota / runc`, got[`${w} runc`] / got[`${w} runsc, no quota`]);
    }
  },
  versus: () => {
    const got = throughVersus();
    for (const [k, v] of Object.entries(got)) add(values, `versus: ${k}`, v);
    for (const w of ['redis', 'mariadb'])
      add(ratios, `${w}: versus, gvisor / docker`, got[`${w} docker`] / got[`${w} gvisor`]);
  },
  syscall: () => {
    const runc = syscallNs('runc');
    const runsc = syscallNs('runsc');
    add(values, 'syscall ns, runc', runc);
    add(values, 'syscall ns, runsc', runsc);
    add(ratios, 'syscall: runsc / runc', runsc / runc);
  },
};

docker('network', 'create', '--internal', net);
try {
  const names = Object.keys(steps);
  for (let round = 0; round < rounds; round++)
    for (const step of names.map((_, i) => names[(i + round) % names.length])) {
      process.stderr.write(`round ${round + 1}/${rounds}: ${step}\n`);
      steps[step]();
    }
} finally {
  docker('network', 'rm', net);
  fs.rmSync(tmp, { recursive: true, force: true });
}
console.log(`gVisor by hand against versus, ${rounds} rounds, median (range)`);
for (const [k, xs] of values) console.log(`  ${k}: ${range(xs, 1)}`);
console.log('how many times slower (throughput: runc ÷ runsc; syscall: runsc ÷ runc):');
for (const [k, xs] of ratios) console.log(`  ${k}: ${range(xs, 2)}`);
