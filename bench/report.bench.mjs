#!/usr/bin/env node
// Report benchmark: a synthetic experiment of about a million samples, from results
// directory to report, in a fresh process each time (wall time includes Node's
// start and every import, as `versus report` pays them). Two paths in interleaved
// rounds: the anchor reads the NDJSON logs into objects and aggregates in
// JavaScript (the path before the columnar store); the other aggregates in DuckDB
// over the Parquet files the experiment compacted. Compaction is timed once.
//   npm run build && node bench/report.bench.mjs [--samples 1000000] [--rounds 3]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openDuck } from '../dist/results/columnar/duck.js';
import { compactResults } from '../dist/results/columnar/open.js';
import { writeSyntheticResults } from '../dist-support/test/support/synthetic.js';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const wanted = arg('--samples', 1_000_000);
const rounds = arg('--rounds', 3);
// the synthetic set has 1 519 219 samples at 5500 s per run (27 runs); scale the run length
const durationS = Math.round((wanted / 1_519_219) * 5500);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'versus-report-bench-'));
const results = path.join(tmp, 'results');
const { samples, runs } = writeSyntheticResults(results, { instances: [1, 2, 4], durationS, intervalS: 0.5 });
const ndjson = fs.statSync(path.join(results, 'samples.ndjson')).size;
console.error(`${samples} samples in ${runs} runs (${(ndjson / 2 ** 20).toFixed(0)} MiB of NDJSON)`);

const duck = await openDuck();
const t0 = performance.now();
await compactResults(duck, results, { merge: true });
const compactMs = performance.now() - t0;
duck.close();
const parquet = fs.statSync(path.join(results, 'samples.parquet')).size;

const child = (mode, formats) => {
  const out = path.join(tmp, `${mode}-${formats.replaceAll(',', '-')}`);
  const start = performance.now();
  const p = spawnSync(
    process.execPath,
    [path.join(import.meta.dirname, 'report-child.mjs'), mode, results, out, formats],
    {
      encoding: 'utf8',
    },
  );
  const wall = performance.now() - start;
  if (p.status !== 0) throw new Error(`${mode} ${formats}: ${p.stderr}`);
  return { wall, ...JSON.parse(p.stdout.trim().split('\n').at(-1)) };
};
const cases = [
  ['memory', 'html'],
  ['parquet', 'html'],
  ['memory', 'html,vl,svg,png'],
  ['parquet', 'html,vl,svg,png'],
];
const got = Object.fromEntries(cases.map(([m, f]) => [`${m} ${f}`, []]));
for (let round = 0; round < rounds; round++)
  for (const [m, f] of cases) {
    const r = child(m, f);
    got[`${m} ${f}`].push(r);
    console.error(`round ${round + 1}: ${m} ${f}: ${(r.wall / 1000).toFixed(2)} s, ${r.maxRssMiB.toFixed(0)} MiB`);
  }
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const row = (key, anchorKey) => {
  const wall = median(got[key].map((r) => r.wall));
  const rss = Math.max(...got[key].map((r) => r.maxRssMiB));
  const anchor = median(got[anchorKey].map((r) => r.wall));
  return `${key.padEnd(32)} ${(wall / 1000).toFixed(2).padStart(6)} s  ${(wall / anchor).toFixed(2).padStart(5)}x  peak RSS ${rss.toFixed(0).padStart(5)} MiB`;
};
console.log(`\nreport of ${samples} samples, wall time of a fresh process, median of ${rounds} interleaved rounds`);
console.log(`compaction NDJSON → Parquet (once, at the end of an experiment): ${(compactMs / 1000).toFixed(2)} s`);
console.log(
  `samples.parquet ${(parquet / 2 ** 20).toFixed(1)} MiB = ${((100 * parquet) / ndjson).toFixed(1)}% of samples.ndjson (${(ndjson / 2 ** 20).toFixed(0)} MiB)`,
);
console.log(row('memory html', 'memory html'), '  (anchor: NDJSON into objects)');
console.log(row('parquet html', 'memory html'));
console.log(row('memory html,vl,svg,png', 'memory html,vl,svg,png'), '  (anchor)');
console.log(row('parquet html,vl,svg,png', 'memory html,vl,svg,png'));
fs.rmSync(tmp, { recursive: true, force: true });
