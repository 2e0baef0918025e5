#!/usr/bin/env node
// One report in a fresh process, for bench/report.bench.mjs: prints its own time and peak RSS.
//   node bench/report-child.mjs <memory|parquet> <results-dir> <out-dir> <formats>
import { performance } from 'node:perf_hooks';
import { fileExporters, writeReport } from '../dist/export/index.js';
import { pageOf } from '../dist/report/build.js';
import { loadResults, openResults } from '../dist/results/read.js';

const [mode, dir, out, formats] = process.argv.slice(2);
const t0 = performance.now();
const rs = mode === 'memory' ? loadResults(dir) : await openResults(dir);
// as `versus report` does: aggregate, release the engine, render
const page = await pageOf(rs);
rs.samples.close();
await writeReport(page, out, fileExporters('report', formats));
const ms = performance.now() - t0;
console.log(JSON.stringify({ ms, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
