#!/usr/bin/env node
// The boot sweep's two goals (issue #30), each against an anchor measured in the same run:
//  --part scale: N containers (default 512) started one after another, every one sampled while
//    idle, then torn down; versus's own CPU per worker per sample during the idle windows near
//    the end, against the same figure near 16 workers of the same sweep (goal: no worse), and
//    versus's RSS per worker.
//  --part boot: a microVM's time to ready against a qemu VM's, same host and accelerator,
//    rounds interleaved with the order rotating (this machine's speed drifts 2x within minutes);
//    the ratio per round, then the median and range (goal: <= 0.3).
//   scripts/with-docker.sh node bench/sweep.bench.mjs --part scale [--instances 512]
//   node bench/sweep.bench.mjs --part boot [--rounds 3]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { argOf, median, range } from './lib.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'versus-sweep-bench-'));
const part = argOf('part', 'boot');

/** One `versus sweep`; its boot.ndjson records. */
function sweep(env, instances, extra = {}) {
  const config = path.join(tmp, `sweep-${Date.now()}.json`);
  fs.writeFileSync(config, JSON.stringify({ environments: [env], sweep: { instances, ...extra } }));
  const out = path.join(tmp, `out-${Date.now()}`);
  const dir = execFileSync('node', [path.join(root, 'dist/cli.js'), 'sweep', '-c', config, '--no-report', '-o', out], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  return fs
    .readFileSync(path.join(dir, 'boot.ndjson'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

/** versus's CPU per worker per sample over the idle windows of the given instances. */
function cpuPerWorkerSample(records, from, to, intervalMs) {
  const xs = records.filter((r) => r.type === 'instance' && r.instance >= from && r.instance <= to && r.harness);
  const perSample = xs.map((r) => r.harness.cpuS / r.harness.windowS / r.instance / (1000 / intervalMs));
  return { median: median(perSample), n: xs.length };
}

if (part === 'scale') {
  const n = Number(argOf('instances', 512));
  const intervalMs = Number(argOf('interval', 1000));
  const t = Date.now();
  const records = sweep('docker', [16, n], { intervalMs, settleMs: 1000, memoryFloorMiB: 2048 });
  const end = records.find((r) => r.type === 'end');
  const last = records.filter((r) => r.type === 'instance').at(-1);
  const at16 = cpuPerWorkerSample(records, 12, 20, intervalMs);
  const atN = cpuPerWorkerSample(records, n - 8, n, intervalMs);
  console.log(
    `containers: ${end.reached} of ${n} ready, sampled and torn down (${end.stopped ?? 'not stopped'}); ${((Date.now() - t) / 1000).toFixed(0)} s in all, teardown ${end.teardownS.toFixed(1)} s`,
  );
  console.log(`time to ready, all ${end.reached}: ${last.cumulativeS.toFixed(1)} s (the paper: 512 containers 987 s)`);
  console.log(
    `host memory used: ${(records[0].hostMemUsedBytes / 2 ** 30).toFixed(2)} GiB before, ${(last.hostMemUsedBytes / 2 ** 30).toFixed(2)} GiB with ${last.instance} up`,
  );
  console.log(
    `versus CPU per worker per sample: ${(at16.median * 1e6).toFixed(0)} µs at 12-20 workers (anchor), ${(atN.median * 1e6).toFixed(0)} µs at ${n - 8}-${n}: ${(atN.median / at16.median).toFixed(2)}x (goal <= 1)`,
  );
  console.log(
    `versus RSS: ${(last.harness.rssBytes / 2 ** 20).toFixed(0)} MiB with ${last.instance} workers = ${(last.harness.rssBytes / last.instance / 2 ** 10).toFixed(0)} KiB per worker`,
  );
} else {
  const rounds = Number(argOf('rounds', 3));
  const ratios = [];
  const ready = { microvm: [], qemu: [] };
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 ? ['qemu', 'microvm'] : ['microvm', 'qemu'];
    const got = {};
    for (const env of order) {
      const inst = sweep(env, [1], { settleMs: 0 }).find((x) => x.type === 'instance');
      got[env] = inst.readyS;
      ready[env].push(inst.readyS);
    }
    ratios.push(got.microvm / got.qemu);
    console.log(
      `round ${r + 1}: microVM ${got.microvm.toFixed(1)} s, qemu VM ${got.qemu.toFixed(1)} s, ${(got.microvm / got.qemu).toFixed(2)}x`,
    );
  }
  console.log(`time to ready: microVM ${range(ready.microvm, 1)} s, qemu VM ${range(ready.qemu, 1)} s`);
  console.log(`microVM / qemu VM: ${range(ratios)} (goal <= 0.3)`);
}
fs.rmSync(tmp, { recursive: true, force: true });
