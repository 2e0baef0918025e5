// The observer effect: what sampling costs the workers it measures. Each environment's
// makespan with the samplers at the default interval (100 ms), at 1 s, and unobserved (no
// worker or host sampler: the barrier and the result line only), in rounds, the three
// configurations in a rotating order each round (this machine drifts 2x within minutes);
// the unobserved runs of the same rounds are the anchor. Ratios of medians.
//   npm run build && scripts/with-docker.sh node bench/observer.bench.mjs [--env docker,native]
//     [--rounds 3] [--repetitions 3] [--workload pagerank] [--preset tiny]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ratioInterval } from '../dist/stats/intervals.js';
import { argOf, median } from './lib.mjs';

const envs = argOf('env', 'docker,native');
const rounds = Number(argOf('rounds', '3'));
const repetitions = Number(argOf('repetitions', '3'));
const workload = argOf('workload', 'pagerank');
const preset = argOf('preset', 'tiny');
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'versus-observer-'));

const CONFIGS = {
  default: { sampling: { intervalMs: 100 } },
  '1s': { sampling: { intervalMs: 1000 } },
  unobserved: { sampling: { workers: false, host: false } },
};

/** One experiment of a configuration; its ok measured runs' makespans per environment. */
function measure(name, round) {
  const config = path.join(out, `${name}.json`);
  fs.writeFileSync(config, JSON.stringify(CONFIGS[name]));
  const dir = execFileSync(
    process.execPath,
    [
      'dist/cli.js',
      'run',
      '--config',
      config,
      '--env',
      envs,
      '--workload',
      workload,
      '--preset',
      preset,
      '--instances',
      '1',
      '--repetitions',
      String(repetitions),
      '--no-report',
      '--no-canary',
      '--name',
      `${name}-r${round}`,
      '--output',
      out,
      '--seed',
      String(round + 1),
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  ).trim();
  const runs = fs
    .readFileSync(path.join(dir, 'runs.ndjson'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  const by = {};
  for (const r of runs.filter((x) => !x.warmup && x.status === 'ok')) (by[r.env] ??= []).push(r.makespanS);
  return by;
}

const makespans = {}; // config -> env -> [s]
const names = Object.keys(CONFIGS);
for (let round = 0; round < rounds; round++) {
  const order = names.map((_, i) => names[(i + round) % names.length]);
  for (const name of order) {
    const got = measure(name, round);
    for (const [env, xs] of Object.entries(got)) ((makespans[name] ??= {})[env] ??= []).push(...xs);
    console.error(`round ${round + 1}: ${name} ${JSON.stringify(got)}`);
  }
}

console.log(
  '| environment | unobserved (anchor), median s | sampled at 100 ms ÷ unobserved: ratio of medians (ratio of means, 95%) | sampled at 1 s ÷ unobserved | runs a configuration |',
);
console.log('|---|---:|---:|---:|---:|');
for (const env of envs.split(',')) {
  const base = makespans.unobserved?.[env] ?? [];
  const anchor = median(base.length ? base : [Number.NaN]);
  const ratio = (name) => {
    const xs = makespans[name]?.[env] ?? [];
    const i = ratioInterval(xs, base);
    const medians = median(xs.length ? xs : [Number.NaN]) / anchor;
    return `${medians.toFixed(3)} (${i.estimate.toFixed(3)}, ${i.lo.toFixed(3)}–${i.hi.toFixed(3)})`;
  };
  console.log(`| ${env} | ${anchor.toFixed(3)} | ${ratio('default')} | ${ratio('1s')} | ${base.length} |`);
}
