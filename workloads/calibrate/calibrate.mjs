#!/usr/bin/env node
// Calibration load for versus's samplers: `threads` worker threads each spin for duty%
// of every period (in phase, on the wall clock) and sleep the rest, for `seconds`. A
// sampler that reads the truth sees duty% of the threads' CPUs busy. The checksum is a
// fixed computation over the schedule, so it is identical in every environment and for
// every thread count. Plain JavaScript, no dependencies; errors: one line, exit 2.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { peakRssBytes } from '../lib/resources.mjs';

const now = () => performance.timeOrigin + performance.now(); // absolute ms, sub-ms, comparable across threads

/** One thread's load: spin until the duty point of each period, sleep until its end. */
function spin({ startAt, endAt, periodMs, duty }) {
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  let busyMs = 0;
  let x = 1;
  for (let p = startAt; p < endAt; p += periodMs) {
    const busyUntil = Math.min(endAt, p + (periodMs * duty) / 100);
    const began = now();
    let t = began;
    while (t < busyUntil) {
      for (let i = 0; i < 2000; i++) x = (Math.imul(x, 1103515245) + 12345) | 0; // work the JIT cannot drop
      t = now();
    }
    busyMs += t - began;
    const wake = Math.min(endAt, p + periodMs);
    const rest = wake - now();
    if (rest > 0) Atomics.wait(sleeper, 0, 0, rest);
  }
  return { busyMs, x };
}

if (!isMainThread) {
  parentPort.postMessage(spin(workerData));
} else {
  main(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`calibrate: ${err.message}\n`);
    process.exitCode = err.usage ? 2 : 1;
  });
}

function usage(message) {
  return Object.assign(new Error(message), { usage: true });
}

function parseArgs(argv) {
  const manifest = JSON.parse(fs.readFileSync(new URL('./workload.json', import.meta.url), 'utf8'));
  const out = Object.fromEntries(Object.entries(manifest.parameters).map(([k, s]) => [k, s.default]));
  for (const arg of argv) {
    const m = /^--([\w-]+)=(.*)$/.exec(arg);
    if (!m) throw usage(`expected --name=value, not ${JSON.stringify(arg)}`);
    const spec = manifest.parameters[m[1]];
    if (!spec) throw usage(`unknown flag --${m[1]}`);
    const v = Number(m[2]);
    if (!Number.isFinite(v) || (spec.type === 'integer' && !Number.isInteger(v)) || v < spec.min || v > spec.max)
      throw usage(
        `--${m[1]} must be ${spec.type === 'integer' ? 'an integer' : 'a number'} from ${spec.min} to ${spec.max}, not ${JSON.stringify(m[2])}`,
      );
    out[m[1]] = v;
  }
  return out;
}

/** The schedule's fingerprint: a fixed amount of integer work seeded by it (no timing in it). */
function checksumOf(p) {
  let x = Math.round(p.duty * 1000) ^ (p['period-ms'] << 8) ^ Math.round(p.seconds * 1000);
  for (let i = 0; i < 1_000_000; i++) x = (Math.imul(x, 1103515245) + 12345) | 0;
  return crypto
    .createHash('sha256')
    .update(`calibrate/1 ${p.duty} ${p['period-ms']} ${p.seconds} ${x}`)
    .digest('hex')
    .slice(0, 16);
}

function emit(o) {
  process.stdout.write(`${JSON.stringify(o)}\n`);
}

async function main(argv) {
  const p = parseArgs(argv);
  emit({ type: 'start', workload: 'calibrate', node: process.version, threads: p.threads, params: p, t: Date.now() });
  const startAt = now() + 20; // threads start in phase
  const endAt = startAt + p.seconds * 1000;
  const cpu0 = process.cpuUsage();
  emit({ type: 'phase', phase: 'busy', state: 'begin', t: Date.now() });
  const results = await Promise.all(
    Array.from(
      { length: p.threads },
      () =>
        new Promise((resolve, reject) => {
          const w = new Worker(new URL(import.meta.url), {
            workerData: { startAt, endAt, periodMs: p['period-ms'], duty: p.duty },
          });
          w.once('message', resolve);
          w.once('error', reject);
        }),
    ),
  );
  const wallMs = now() - startAt;
  const cpu = process.cpuUsage(cpu0);
  emit({ type: 'phase', phase: 'busy', state: 'end', ms: wallMs, t: Date.now() });
  const busyMs = results.reduce((a, r) => a + r.busyMs, 0);
  emit({
    type: 'result',
    workload: 'calibrate',
    checksum: checksumOf(p),
    verified: true,
    threads: p.threads,
    metrics: {
      dutyPct: p.duty,
      // what the threads themselves measured: spin time over wall time, per thread
      spinPct: (100 * busyMs) / (wallMs * p.threads),
      // the kernel's account of this process (all threads, GC included), per busy thread
      processCpuPct: (100 * (cpu.user + cpu.system)) / 1000 / (wallMs * p.threads),
      seconds: wallMs / 1000,
    },
    peakRssBytes: peakRssBytes(),
    t: Date.now(),
  });
}
