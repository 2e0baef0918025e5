#!/usr/bin/env node
// fio through versus: fio's JSON report, checked and reported as metrics.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from '../lib/args.mjs';
import { emit, emitResult, phase, runMain } from '../lib/runner.mjs';
import { runTool, ToolError } from '../lib/tool.mjs';

const manifest = JSON.parse(fs.readFileSync(new URL('./workload.json', import.meta.url), 'utf8'));

/** fio's numbers for the pattern's direction; a ToolError when the report lacks them. */
export function fioMetrics(report, pattern) {
  const job = report?.jobs?.[0];
  const side = job?.[pattern === 'randread' ? 'read' : 'write'];
  const iops = side?.iops;
  const bwKiB = side?.bw;
  const clat = side?.clat_ns?.mean;
  if (![iops, bwKiB, clat].every((x) => typeof x === 'number' && Number.isFinite(x)))
    throw new ToolError('fio: its JSON report lacks iops, bw or clat_ns');
  // with an fsync after each write, an I/O costs the write and its fsync
  const syncNs = pattern === 'fsync' ? (job.sync?.lat_ns?.mean ?? 0) : 0;
  return { iops, mibPerSecond: bwKiB / 1024, latencyUs: (clat + syncNs) / 1000 };
}

async function main(argv) {
  const p = parseArgs(manifest, argv);
  emit({ type: 'start', workload: manifest.name, threads: p.threads, params: p, t: Date.now() });
  const dir = fs.mkdtempSync(path.join(p['work-dir'] ?? os.tmpdir(), 'versus-fio-'));
  let out;
  const ms = {};
  try {
    ms.run = await phase('run', async () => {
      out = await runTool('fio', [
        '--name=versus',
        `--directory=${dir}`,
        `--rw=${p.pattern === 'fsync' ? 'randwrite' : p.pattern}`,
        ...(p.pattern === 'fsync' ? ['--fsync=1'] : []),
        `--bs=${p['block-kib']}k`,
        `--size=${p['file-mib']}M`,
        `--runtime=${p.seconds}`,
        '--time_based',
        '--ioengine=psync',
        `--numjobs=${p.threads}`,
        '--group_reporting',
        '--randrepeat=1',
        '--output-format=json',
      ]);
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  let report;
  try {
    report = JSON.parse(out.stdout.slice(out.stdout.indexOf('{')));
  } catch {
    throw new ToolError('fio: its output is not the JSON report');
  }
  emitResult({
    name: manifest.name,
    checksum: `${report['fio version'] ?? 'fio'} ${p.pattern}`,
    threads: p.threads,
    ms,
    metrics: fioMetrics(report, p.pattern),
  });
}

if (process.argv[1] && fs.realpathSync(process.argv[1]) === fs.realpathSync(new URL(import.meta.url).pathname))
  runMain(manifest.name, main);
