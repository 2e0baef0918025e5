#!/usr/bin/env node
// The paper's Fig. 4 question: how much host memory does one idle instance take? For
// each environment, N instances are started up to the point where the workload's runtime
// waits at the barrier (an idle container, a booted VM with node waiting, a waiting native
// process); after a settle the host's used memory (MemTotal − MemAvailable) is compared
// with its level just before, per instance, next to what each worker's samplers see
// (workload PSS, the view's used memory, the QEMU process / cgroup / process). Environments
// interleaved over rounds; medians. The anchor is native, measured in the same run.
//   npm run build && scripts/with-docker.sh node bench/idle-memory.mjs [--env native,docker,qemu] [--instances 2] [--rounds 2]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { validateExperiment } from '../dist/compose/config.js';
import { DockerEnvironment, dockerClient } from '../dist/environments/docker/backend.js';
import { NativeEnvironment } from '../dist/environments/native/backend.js';
import { QemuEnvironment } from '../dist/environments/qemu/backend.js';
import { ensureImage } from '../dist/image/build.js';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const envs = arg('env', 'native,docker,qemu').split(',');
const N = Number(arg('instances', '2'));
const rounds = Number(arg('rounds', '2'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const hostUsed = () => {
  const m = fs.readFileSync('/proc/meminfo', 'utf8');
  const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(m)[1]) * 1024;
  return kb('MemTotal') - kb('MemAvailable');
};

const image = await ensureImage();
const e = validateExperiment({ worker: { cpus: 1, memoryMiB: 1024 } }, 'idle-memory');
const make = {
  native: () => new NativeEnvironment(e.native, image),
  docker: () => new DockerEnvironment(dockerClient(e.docker), image, () => {}, 30, 'cgroup'),
  qemu: () => new QemuEnvironment(e.qemu, image, () => {}),
};
const artifacts = fs.mkdtempSync(path.join(os.tmpdir(), 'versus-idle-memory-'));
const results = new Map(envs.map((x) => [x, []]));

for (let r = 0; r < rounds; r++) {
  for (const name of r % 2 ? [...envs].reverse() : envs) {
    const env = make[name]();
    await env.prepare();
    const runId = `idle-${process.pid}-${r}-${name}`;
    await sleep(2000);
    const before = hostUsed();
    const armed = [];
    try {
      const workers = await env.provision({
        runId,
        count: N,
        allocation: () => ({ cpus: 1, memoryBytes: 1024 * 2 ** 20, cpuset: null }),
        signal: new AbortController().signal,
        artifactsDir: artifacts,
      });
      for (const w of workers)
        armed.push(await w.arm({ entry: 'calibrate/calibrate.mjs', args: ['--duty=0', '--seconds=1'] }, () => {}));
      await sleep(5000); // idle: runtimes waiting at the barrier
      const perInstance = (hostUsed() - before) / N;
      // one reading per sampler of each worker
      const views = {};
      for (const w of workers) {
        for (const s of w.samplers(250, 250)) {
          let last = null;
          await s.start(
            (x) => (last = x),
            () => {},
          );
          await sleep(700);
          await s.stop();
          if (!last) continue;
          const v = (views[s.source] ??= { used: [], pss: [] });
          if (last.memUsedBytes !== null) v.used.push(last.memUsedBytes);
          if (last.memPssBytes) v.pss.push(last.memPssBytes);
        }
      }
      results.get(name).push({ perInstance, views });
      process.stderr.write(
        `round ${r + 1} ${name}: ${(perInstance / 2 ** 20).toFixed(0)} MiB host memory per idle instance\n`,
      );
    } finally {
      for (const a of armed) await a.kill();
      await env.teardown(runId);
      await env.cleanAll?.();
    }
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);
const mib = (b) => (Number.isFinite(b) ? (b / 2 ** 20).toFixed(0) : '–');
const anchor = median(results.get('native')?.map((x) => x.perInstance) ?? [Number.NaN]);
console.log(
  `host memory per idle instance (${N} instances, 1 CPU / 1 GiB each, runtime waiting at the barrier), ${os.cpus()[0]?.model}, ${rounds} rounds, medians`,
);
console.log(
  '| environment | host MemTotal−MemAvailable per instance, MiB | vs native | workload PSS | view’s used memory (by source) |',
);
console.log('|---|---:|---:|---:|---|');
for (const [name, rs] of results) {
  const per = median(rs.map((x) => x.perInstance));
  const sources = Object.keys(rs[0]?.views ?? {});
  const used = sources.map((s) => `${s} ${mib(median(rs.map((x) => mean(x.views[s].used))))}`).join(', ');
  const pss = mib(median(rs.flatMap((x) => Object.values(x.views).map((v) => mean(v.pss))).filter(Number.isFinite)));
  console.log(`| ${name} | ${mib(per)} | ${(per / anchor).toFixed(1)}x | ${pss} | ${used} |`);
}
fs.rmSync(artifacts, { recursive: true, force: true });
