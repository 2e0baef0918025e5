#!/usr/bin/env node
// Report benchmark: a synthetic experiment with about one million samples, from
// results directory to report, against an anchor measured in the same run: just
// reading and parsing the NDJSON (the least any report must do).
//   npm run build && node bench/report.bench.mjs [--duration 5500]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeReport } from '../dist/report/build.js';
import { loadResults } from '../dist/report/load.js';
import { writeSyntheticResults } from '../dist/results/synthetic.js';

const i = process.argv.indexOf('--duration');
const duration = i >= 0 ? Number(process.argv[i + 1]) : 5500;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'versus-report-bench-'));
const results = path.join(tmp, 'results');
const { samples, runs } = writeSyntheticResults(results, { instances: [1, 2, 4], durationS: duration, intervalS: 0.5 });
const bytes = fs.statSync(path.join(results, 'samples.ndjson')).size;
console.error(`${samples} samples in ${runs} runs (${(bytes / 2 ** 20).toFixed(0)} MiB of NDJSON)`);

const time = async (fn) => {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
};
const rows = [];
for (let round = 0; round < 3; round++) {
  const anchor = await time(() => loadResults(results));
  const html = await time(async () => writeReport(loadResults(results), path.join(tmp, 'html'), ['html']));
  const all = await time(async () =>
    writeReport(loadResults(results), path.join(tmp, 'all'), ['html', 'vl', 'svg', 'png']),
  );
  rows.push({ anchor: anchor.ms, html: html.ms, all: all.ms });
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const a = median(rows.map((r) => r.anchor));
const h = median(rows.map((r) => r.html));
const all = median(rows.map((r) => r.all));
const htmlSize = fs.statSync(path.join(tmp, 'html', 'index.html')).size;
console.log(`\nreport of ${samples} samples, median of 3 rounds`);
console.log(`read + parse results (anchor)     ${(a / 1000).toFixed(2)} s   1.00x`);
console.log(
  `report, HTML only                 ${(h / 1000).toFixed(2)} s   ${(h / a).toFixed(2)}x   page ${(htmlSize / 2 ** 20).toFixed(2)} MiB`,
);
console.log(`report, HTML + vl + SVG + PNG     ${(all / 1000).toFixed(2)} s   ${(all / a).toFixed(2)}x`);
fs.rmSync(tmp, { recursive: true, force: true });
