#!/usr/bin/env node
// The harness's own CPU for a whole docker experiment, per extra sample: the same
// experiment (2 containers, PageRank small, --iterations 3000) at --interval 2000 (the
// anchor) and at --interval 100, interleaved over rounds; (CPU@100 − CPU@2000) /
// (samples@100 − samples@2000) is what one more sample costs, everything included
// (samplers, clock, writing samples.ndjson). --versus takes several checkouts (built) to
// compare versions in the same run, e.g. an older worktree against this one.
//   npm run build && scripts/with-docker.sh node bench/experiment-cost.mjs [--rounds 2] [--iterations 3000] [--versus DIR,DIR]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const rounds = Number(arg('rounds', '2'));
const iterations = arg('iterations', '3000');
const checkouts = arg('versus', path.resolve(new URL('..', import.meta.url).pathname)).split(',');
const intervals = [2000, 100];
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'versus-experiment-cost-'));

function runOnce(checkout, interval) {
  const args = [
    '-f',
    '%U %S',
    process.execPath,
    path.join(checkout, 'dist/cli.js'),
    'run',
    '--env',
    'docker',
    '--instances',
    '2',
    '--preset',
    'small',
    '--param',
    `iterations=${iterations}`,
    '--repetitions',
    '1',
    '--warmup',
    '0',
    '--interval',
    String(interval),
    '--no-report',
    '-o',
    out,
    '--name',
    `cost-${interval}`,
  ];
  const r = spawnSync('/usr/bin/time', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`versus run failed (${r.status}): ${r.stderr.slice(-800)}`);
  const [user, sys] = r.stderr.trim().split('\n').at(-1).split(' ').map(Number);
  const dir = r.stdout.trim().split('\n').at(-1);
  const samples = fs.readFileSync(path.join(dir, 'samples.ndjson'), 'utf8').trim().split('\n').length - 1;
  fs.rmSync(dir, { recursive: true, force: true });
  return { cpuS: user + sys, samples };
}

const results = new Map();
for (let r = 0; r < rounds; r++) {
  for (const checkout of r % 2 ? [...checkouts].reverse() : checkouts) {
    for (const interval of r % 2 ? [...intervals].reverse() : intervals) {
      const m = runOnce(checkout, interval);
      const key = `${checkout} ${interval}`;
      results.set(key, [...(results.get(key) ?? []), m]);
      process.stderr.write(
        `round ${r + 1}: ${checkout} --interval ${interval}: ${m.cpuS.toFixed(2)} s CPU, ${m.samples} samples\n`,
      );
    }
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  `harness CPU of a docker experiment (2 containers, small, ${iterations} iterations), ${os.cpus()[0]?.model} (${os.cpus().length} CPUs), ${rounds} rounds, medians`,
);
console.log(
  '| versus | CPU s @2000 ms | samples | CPU s @100 ms | samples | ms per extra sample (median of rounds) | rounds |',
);
console.log('|---|---:|---:|---:|---:|---:|---|');
for (const c of checkouts) {
  const slow = results.get(`${c} 2000`);
  const fast = results.get(`${c} 100`);
  // each round's pair: the experiment's fixed cost drifts between rounds, a pair shares it
  const perRound = slow.map((s, i) => (1000 * (fast[i].cpuS - s.cpuS)) / (fast[i].samples - s.samples));
  console.log(
    `| ${c} | ${median(slow.map((m) => m.cpuS)).toFixed(2)} | ${median(slow.map((m) => m.samples))} | ${median(fast.map((m) => m.cpuS)).toFixed(2)} | ${median(fast.map((m) => m.samples))} | ${median(perRound).toFixed(3)} | ${perRound.map((x) => x.toFixed(2)).join(', ')} |`,
  );
}
fs.rmSync(out, { recursive: true, force: true });
