#!/usr/bin/env node
// One sampler tick (read + parse) of each sampler, in process, with tinybench: what a
// sample costs the harness before anything is written. Anchors measured in the same run:
// the same reads the way versus did them before (fs/promises readFile: open, fstat, read,
// close through libuv's thread pool). Rounds are interleaved; medians of the rounds.
//   npm run build && node bench/sampler-tick.bench.mjs [--rounds 5]
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Bench } from 'tinybench';
import { SamplesWriter } from '../dist/results/store.js';
import { cgroupPaths, cpuV1, cpuV2, memoryUsed } from '../dist/sampling/cgroup.js';
import { StatsFrames } from '../dist/sampling/dockerSampler.js';
import { ProcFile } from '../dist/sampling/procFile.js';
import { parseMeminfo, parsePidStat, parseProcStat } from '../dist/sampling/procstat.js';

const i = process.argv.indexOf('--rounds');
const rounds = i >= 0 ? Number(process.argv[i + 1]) : 5;

// this process's own cgroup stands in for a container's (same files, same kernel code)
const cg = cgroupPaths(fs.readFileSync('/proc/self/cgroup', 'utf8'), (p) => fs.existsSync(p));
if (!cg) throw new Error('no readable cgroup for this process');
const v1 = cg.version === 1;
const cpuFiles = v1 ? ['cpuacct.usage', 'cpuacct.usage_user', 'cpuacct.usage_sys'] : ['cpu.stat'];
const memFiles = v1 ? ['memory.usage_in_bytes', 'memory.stat'] : ['memory.current', 'memory.stat'];
const parseCpu = (t) => (v1 ? cpuV1(t[0], t[1], t[2], null) : cpuV2(t[0]));

const before = {
  cgroup: async () => {
    const t = await Promise.all([
      ...cpuFiles.map((f) => fsp.readFile(`${cg.cpu}/${f}`, 'utf8')),
      ...memFiles.map((f) => fsp.readFile(`${cg.memory}/${f}`, 'utf8')),
      fsp.readFile(`${cg.memory}/${v1 ? 'memory.limit_in_bytes' : 'memory.max'}`, 'utf8'),
    ]);
    parseCpu(t);
    memoryUsed(cg.version, t[cpuFiles.length], t[cpuFiles.length + 1], t[cpuFiles.length + 2]);
  },
  host: async () => {
    const [s, m] = await Promise.all([fsp.readFile('/proc/stat', 'utf8'), fsp.readFile('/proc/meminfo', 'utf8')]);
    parseProcStat(s);
    parseMeminfo(m);
  },
  process: async () => parsePidStat(await fsp.readFile(`/proc/${process.pid}/stat`, 'utf8')),
};

const cpuNow = cpuFiles.map((f) => new ProcFile(`${cg.cpu}/${f}`));
const memNow = memFiles.map((f) => new ProcFile(`${cg.memory}/${f}`, 16_384));
const limit = new ProcFile(`${cg.memory}/${v1 ? 'memory.limit_in_bytes' : 'memory.max'}`).readOrNull();
const stat = new ProcFile('/proc/stat', 16_384);
const meminfo = new ProcFile('/proc/meminfo', 8192);
const self = new ProcFile(`/proc/${process.pid}/stat`, 1024);
const now = {
  cgroup: () => {
    parseCpu(cpuNow.map((f) => f.read()));
    memoryUsed(cg.version, memNow[0].read(), memNow[1].read(), limit);
  },
  host: () => {
    parseProcStat(stat.read());
    parseMeminfo(meminfo.read());
  },
  process: () => parsePidStat(self.read()),
};

// a Docker stats frame as the engine sends it (cgroup v1 shape, recorded)
const frameLines = fs
  .readFileSync(new URL('../test/fixtures/docker-stats-cgroup-v1.ndjson', import.meta.url), 'utf8')
  .trim()
  .split('\n');
const frames = new StatsFrames(1);
let k = 0;
const statsFrame = () => {
  const f = JSON.parse(frameLines[k++ % frameLines.length]);
  f.read = new Date(k * 1000).toISOString(); // a new frame each time
  f.cpu_stats.cpu_usage.total_usage += k * 1e6;
  f.cpu_stats.system_cpu_usage += k * 1e9;
  frames.next(f, Date.now());
};

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'versus-tick-bench-'));
const writer = new SamplesWriter(path.join(tmp, 'samples.ndjson'));
const row = {
  run: '001-docker-x2-r1',
  env: 'docker',
  instances: 2,
  repetition: 1,
  worker: 'docker-0',
  source: 'cgroup',
  t: 1.25,
  user: 97.123456,
  system: 2.5,
  iowait: null,
  steal: null,
  idle: 0.4,
  cores: 0.99,
  allocCpus: 1,
  memUsedBytes: 31_000_000,
  memCachedBytes: 1_000_000,
  memLimitBytes: 2 ** 30,
  gapS: null,
};
const write = () => writer.write([row]);

const tasks = [
  ['cgroup, before (fs/promises)', before.cgroup],
  ['cgroup, now (ProcFile pread)', now.cgroup],
  ['host /proc/stat+meminfo, before', before.host],
  ['host /proc/stat+meminfo, now', now.host],
  ['process /proc/<pid>/stat, before', before.process],
  ['process /proc/<pid>/stat, now', now.process],
  ['docker stats frame (parse + delta)', statsFrame],
  ['one sample row to samples.ndjson', write],
];
const results = new Map(tasks.map(([n]) => [n, []]));
for (let r = 0; r < rounds; r++) {
  const order = r % 2 ? [...tasks].reverse() : tasks; // interleave: alternate the order each round
  const bench = new Bench({ time: 300, warmupTime: 50 });
  for (const [name, fn] of order) bench.add(name, fn);
  await bench.run();
  for (const t of bench.tasks) results.get(t.name).push(t.result.latency.mean * 1000); // µs
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const m = (n) => median(results.get(n));
console.log(
  `sampler tick cost, median of ${rounds} interleaved rounds (${os.cpus()[0]?.model}, ${os.cpus().length} CPUs, cgroup v${cg.version})`,
);
console.log('| tick | µs | vs its anchor |');
console.log('|---|---:|---:|');
for (const [name] of tasks) {
  const anchor = name.replace(/, now.*$/, ', before').replace('(ProcFile pread)', '(fs/promises)');
  const a = name.includes(', now')
    ? tasks.find(([n]) => n.startsWith(anchor.replace(', before', ', before')))?.[0]
    : null;
  const ratio = a ? `${(m(name) / m(a)).toFixed(2)}x` : '';
  console.log(`| ${name} | ${m(name).toFixed(1)} | ${ratio} |`);
}
fs.rmSync(tmp, { recursive: true, force: true });
