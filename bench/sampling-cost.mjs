#!/usr/bin/env node
// What sampling costs, whole processes, per sample: the harness's CPU for each of its
// samplers (host /proc, container cgroup files, the Docker stats API stream, a VM's guest
// stream over SSH), what the sampled side pays (dockerd per stats frame; the in-guest bash
// loop per sample, run here on the host), next to anchors measured in the same run: the
// `docker stats` CLI streaming the same containers and collectd (cpu + memory + csv
// plugins) at the same interval, on --containers idle containers (default 4). Every
// configuration runs for --seconds in each of --rounds rounds, in a different order each
// round; medians. CPU from process.cpuUsage() (the harness) and the sum of
// /proc/<pid>/task/*/schedstat (ns) for other processes.
//   npm run build && scripts/with-docker.sh node bench/sampling-cost.mjs [--seconds 10] [--rounds 3]
//     [--interval 100] [--containers 4] [--only NAME] [--no-vm]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { ensureDockerImage } from '../dist/image/dockerImage.js';
import { imageDir, readManifest } from '../dist/image/manifest.js';
import { imageHash } from '../dist/image/spec.js';
import { cgroupPaths } from '../dist/sampling/cgroup.js';
import { CgroupSampler } from '../dist/sampling/cgroupSampler.js';
import { DockerStatsSampler } from '../dist/sampling/dockerSampler.js';
import { guestSamplerScript } from '../dist/sampling/guestSampler.js';
import { HostSampler } from '../dist/sampling/hostSampler.js';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const SECONDS = arg('seconds', 10);
const ROUNDS = arg('rounds', 3);
const INTERVAL = arg('interval', 100);
const CONTAINERS = arg('containers', 4);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** ns on CPU of every thread of a process (schedstat's first field), 0 once it is gone. */
function processCpuNs(pid) {
  let ns = 0;
  try {
    for (const t of fs.readdirSync(`/proc/${pid}/task`))
      ns += Number(fs.readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]);
  } catch {}
  return ns;
}
const harnessNs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
};
function pidOf(name) {
  for (const p of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (fs.readFileSync(`/proc/${p}/comm`, 'utf8').trim() === name) return Number(p);
    } catch {}
  }
  return null;
}

// the in-guest loop as it was before this benchmark (reads all of /proc/stat and /proc/meminfo)
const OLD_GUEST_SCRIPT = (ms) =>
  [
    'exec 3<> <(:)',
    'while :; do',
    "  printf '%s\\n' '@@versus'",
    '  while IFS= read -r l; do case "$l" in cpu*) printf "%s\\n" "$l";; esac; done < /proc/stat',
    '  while IFS= read -r l; do case "$l" in MemTotal:*|MemFree:*|MemAvailable:*|Buffers:*|Cached:*) printf "%s\\n" "$l";; esac; done < /proc/meminfo',
    `  read -t ${(ms / 1000).toFixed(3)} -u 3 _`,
    'done',
  ].join('\n');

const docker = new Docker();
await docker.ping().catch(() => {
  console.error('sampling-cost: no Docker Engine answers; run it through scripts/with-docker.sh');
  process.exit(2);
});
const dockerdPid = pidOf('dockerd');
const image = readManifest(imageDir(imageHash()));
if (!image) {
  console.error('sampling-cost: build the worker image first (node dist/cli.js image build)');
  process.exit(2);
}
await ensureDockerImage(docker, image, () => {});
const containers = [];
for (let i = 0; i < CONTAINERS; i++) {
  const c = await docker.createContainer({
    Image: image.dockerTag,
    name: `versus-bench-sampling-${process.pid}-${i}`,
    Cmd: ['sleep', '1000000'], // idle: what a sample costs does not depend on the load, the noise does
    NetworkDisabled: true,
    HostConfig: { NanoCpus: 0.25e9, Memory: 256 * 2 ** 20, NetworkMode: 'none', AutoRemove: false },
  });
  await c.start();
  containers.push(c);
}
const cleanup = async () => {
  for (const c of containers.splice(0)) await c.remove({ force: true }).catch(() => {});
};
process.on('uncaughtException', async (err) => {
  console.error(err);
  await cleanup();
  process.exit(1);
});
process.on('beforeExit', () => void cleanup());
process.on('SIGINT', async () => {
  await cleanup();
  process.exit(130);
});

async function cgroupOf(c) {
  const pid = (await c.inspect()).State.Pid;
  return cgroupPaths(fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8'), (p) => fs.existsSync(p));
}
const cgroups = await Promise.all(containers.map(cgroupOf));

/** Runs samplers in this process for SECONDS: harness ns and dockerd ns spent, samples taken. */
async function harness(makeSamplers) {
  const samplers = makeSamplers();
  let n = 0;
  const h0 = harnessNs();
  const d0 = dockerdPid ? processCpuNs(dockerdPid) : 0;
  for (const s of samplers)
    await s.start(
      () => n++,
      () => {},
    );
  await sleep(SECONDS * 1000);
  for (const s of samplers) await s.stop();
  return { ns: harnessNs() - h0, dockerdNs: dockerdPid ? processCpuNs(dockerdPid) - d0 : 0, n };
}

/** Runs a child for SECONDS: its ns, dockerd's ns, and how many samples its output holds. */
async function child(cmd, args, countSamples) {
  const d0 = dockerdPid ? processCpuNs(dockerdPid) : 0;
  const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', process.env.BENCH_DEBUG ? 'inherit' : 'ignore'] });
  let out = '';
  p.stdout.setEncoding('utf8');
  p.stdout.on('data', (d) => {
    out += d;
    if (out.length > 1e6) out = out.slice(-5e5);
  });
  await sleep(SECONDS * 1000);
  if (p.exitCode !== null || p.signalCode !== null)
    throw new Error(`${cmd} ended early (${p.exitCode ?? p.signalCode}); run with BENCH_DEBUG=1 to see its stderr`);
  const ns = processCpuNs(p.pid);
  const dockerdNs = dockerdPid ? processCpuNs(dockerdPid) - d0 : 0;
  p.kill('SIGKILL');
  await new Promise((r) => p.once('exit', r));
  return { ns, dockerdNs, n: countSamples(out) };
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'versus-sampling-cost-'));
const collectdConf = path.join(tmp, 'collectd.conf');
fs.writeFileSync(
  collectdConf,
  [
    `Interval ${INTERVAL / 1000}`,
    'FQDNLookup false',
    `BaseDir "${tmp}"`,
    `PIDFile "${tmp}/collectd.pid"`,
    'LoadPlugin cpu',
    'LoadPlugin memory',
    'LoadPlugin csv',
    `<Plugin csv>\n  DataDir "${tmp}/csv"\n</Plugin>`,
    '', // collectd wants the last line ended
  ].join('\n'),
);

const blocks = (out) => out.split('@@versus\n').length - 2;
// the guest loop's CPU and memory part alone, and with the PSS of a workload-sized node process
const loopNow = guestSamplerScript(INTERVAL); // PSS every 2 s (sampling.memoryIntervalMs)
const loopPssEveryTick = guestSamplerScript(INTERVAL, INTERVAL);
const loopNoPss = loopNow
  .split('\n')
  .filter((l) => !/smaps|\/proc\/\[0-9\]\*|k\+\+/.test(l) && l !== '  fi')
  .join('\n');
const ballast = spawn(
  process.execPath,
  [
    '-e',
    'const a = []; for (let i = 0; i < 1.5e6; i++) a.push({ i, s: String(i) }); setInterval(() => a.length, 1e6);',
  ],
  { stdio: 'ignore' },
);
await sleep(1500);
const loopPss = `p=${ballast.pid}\n${loopNow}`;
const loopPssTick = `p=${ballast.pid}\n${loopPssEveryTick}`;
const ballastRss =
  Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${ballast.pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
// one VM (the qemu backend, the accelerator it chooses) for the harness's side of the guest stream over SSH
let vm = null;
if (!process.argv.includes('--no-vm')) {
  const { QemuEnvironment } = await import('../dist/environments/qemu/backend.js');
  const { validateExperiment } = await import('../dist/compose/config.js');
  const env = new QemuEnvironment(validateExperiment({}, 'bench').qemu, image, () => {});
  const runId = `bench-sampling-${process.pid}`;
  process.stderr.write('booting one VM for the guest stream (use --no-vm to skip)\n');
  const [worker] = await env.provision({
    runId,
    count: 1,
    allocation: () => ({ cpus: 1, memoryBytes: 768 * 2 ** 20, cpuset: null }),
    signal: new AbortController().signal,
    artifactsDir: fs.mkdtempSync(path.join(os.tmpdir(), 'versus-bench-vm-')),
  });
  vm = { env, runId, worker };
}
const configs = {
  'harness idle (baseline)': () => harness(() => []),
  'host sampler (/proc/stat, meminfo)': () => harness(() => [new HostSampler(INTERVAL)]),
  [`cgroup sampler x${CONTAINERS}`]: () =>
    harness(() => cgroups.map((p, i) => new CgroupSampler(`c${i}`, p, 0.25, INTERVAL))),
  [`Docker stats API stream x${CONTAINERS}`]: () =>
    harness(() => containers.map((c, i) => new DockerStatsSampler(`c${i}`, c, 0.25))),
  [`docker stats CLI x${CONTAINERS} (anchor)`]: () =>
    // the engine sends each stream a frame a second (the CLI redraws twice a second)
    child('docker', ['stats', '--format', '{{.Name}} {{.CPUPerc}}', ...containers.map((c) => c.id)], () =>
      Math.round(SECONDS * CONTAINERS),
    ),
  ...(vm
    ? {
        'guest stream over SSH (harness side)': () =>
          harness(() => vm.worker.samplers(INTERVAL).filter((x) => x.source === 'guest')),
      }
    : {}),
  'guest loop, before (bash, whole files)': () => child('bash', ['-c', OLD_GUEST_SCRIPT(INTERVAL)], blocks),
  'guest loop, now (bash, needed lines)': () => child('bash', ['-c', loopNoPss], blocks),
  'guest loop, now + workload PSS every 2 s': () => child('bash', ['-c', loopPss], blocks),
  'guest loop, now + workload PSS every tick': () => child('bash', ['-c', loopPssTick], blocks),
  'collectd cpu+memory+csv (anchor)': () =>
    child('collectd', ['-f', '-C', collectdConf], () => Math.round((SECONDS * 1000) / INTERVAL)),
};

const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : null;
if (only) for (const k of Object.keys(configs)) if (!k.includes(only) && !k.includes('baseline')) delete configs[k];
const results = new Map(Object.keys(configs).map((k) => [k, []]));
try {
  for (let r = 0; r < ROUNDS; r++) {
    const names = Object.keys(configs);
    const order = names.map((_, i) => names[(i + r * 3) % names.length]); // rotate: each round a new order
    for (const name of order) {
      const m = await configs[name]();
      results.get(name).push(m);
      process.stderr.write(`round ${r + 1}/${ROUNDS} ${name}: ${(m.ns / 1e6).toFixed(1)} ms CPU, ${m.n} samples\n`);
    }
  }
} finally {
  ballast.kill('SIGKILL');
  if (vm) await vm.env.teardown(vm.runId);
  await cleanup();
  fs.rmSync(tmp, { recursive: true, force: true });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const idle = median(results.get('harness idle (baseline)').map((m) => m.ns));
const idleDockerd = median(results.get('harness idle (baseline)').map((m) => m.dockerdNs));
const perSample = (name, inHarness) =>
  median(results.get(name).map((m) => (m.n > 0 ? (m.ns - (inHarness ? idle : 0)) / m.n / 1e6 : Number.NaN)));
const dockerdPerSample = (name) =>
  median(results.get(name).map((m) => (m.n > 0 ? (m.dockerdNs - idleDockerd) / m.n / 1e6 : Number.NaN)));
const rows = [
  ['host sampler (/proc/stat, meminfo)', true],
  [`cgroup sampler x${CONTAINERS}`, true],
  [`Docker stats API stream x${CONTAINERS}`, true],
  [`docker stats CLI x${CONTAINERS} (anchor)`, false],
  ['guest stream over SSH (harness side)', true],
  ['guest loop, before (bash, whole files)', false],
  ['guest loop, now (bash, needed lines)', false],
  ['guest loop, now + workload PSS every 2 s', false],
  ['guest loop, now + workload PSS every tick', false],
  ['collectd cpu+memory+csv (anchor)', false],
];
const anchor = (name) => (results.has(name) ? perSample(name, false) : Number.NaN);
const cli = anchor(`docker stats CLI x${CONTAINERS} (anchor)`);
const collectd = anchor('collectd cpu+memory+csv (anchor)');
console.log(
  `sampling cost per sample, ${os.cpus()[0]?.model}, ${os.cpus().length} CPUs, interval ${INTERVAL} ms, ${SECONDS} s x ${ROUNDS} rounds (medians)`,
);
console.log(`(workload PSS: smaps_rollup of a node process of ${(ballastRss / 2 ** 20).toFixed(0)} MiB RSS)`);
console.log(
  '| sampler | samples/round | ms CPU per sample | dockerd ms per sample | vs docker stats CLI | vs collectd |',
);
console.log('|---|---:|---:|---:|---:|---:|');
for (const [name, inHarness] of rows.filter(([n]) => results.has(n))) {
  const v = perSample(name, inHarness);
  const d = name.toLowerCase().includes('docker') ? dockerdPerSample(name).toFixed(3) : '';
  console.log(
    `| ${name} | ${median(results.get(name).map((m) => m.n))} | ${v.toFixed(3)} | ${d} | ${(v / cli).toFixed(2)}x | ${(v / collectd).toFixed(2)}x |`,
  );
}
