#!/usr/bin/env node
// What the cluster engine costs: the cluster PageRank (Dask distributed, through versus,
// native workers) against the single-process pagerank workload on the same data run by hand
// with 2 threads (the anchor), in the same rounds, interleaved, the order rotating per round
// (this machine's speed drifts by up to 2x within minutes). Ratios are per round, with 1 and
// 4 workers: the whole job (generate through the disk, load, iterate, gather) over the
// anchor's load + build + iterate, and like for like without the generation (the anchor's
// graph was written before its clock started); beside them the cluster's start-up (from the
// run's start to every worker registered with the scheduler).
//   node bench/cluster.bench.mjs [--rounds 3] [--preset small]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { argOf, range } from './lib.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const rounds = Number(argOf('rounds', 3));
const preset = argOf('preset', 'small');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'workloads/cluster-pagerank/workload.json'), 'utf8'));
const p = {
  ...Object.fromEntries(Object.entries(manifest.parameters).map(([k, v]) => [k, v.default])),
  ...manifest.presets[preset],
};
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'versus-cluster-bench-'));
const graph = path.join(tmp, 'graph.edges');
execFileSync(
  process.execPath,
  [
    path.join(root, 'workloads/cluster-pagerank/gen.mjs'),
    '--pages',
    p.pages,
    '--avg-links',
    p['avg-links'],
    '--zipf',
    p.zipf,
    '--seed',
    p.seed,
    '--partitions',
    p.partitions,
    '--all',
    '--out',
    graph,
  ].map(String),
);

/** The single-process workload by hand on the whole graph, 2 threads: seconds of load + build + iterate. */
function single() {
  const args = [path.join(root, 'workloads/barrier.mjs'), 'pagerank/pagerank.mjs', '--graph=file', `--input=${graph}`];
  args.push(`--iterations=${p.iterations}`, '--tolerance=0', '--threads=2', `--damping=${p.damping}`);
  const out = execFileSync(process.execPath, args, { input: 'go\n', encoding: 'utf8' });
  const r = out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .find((l) => l.type === 'result');
  return (r.ms.load + r.ms.build + r.ms.iterate) / 1000;
}

/** The cluster job through versus with `n` native workers: its phases and its start-up. */
function cluster(n) {
  const out = path.join(tmp, `run-${n}-${Date.now()}`);
  const args = ['run', '--workload', 'cluster-pagerank', '--preset', preset, '--env', 'native'];
  args.push('--instances', String(n), '--repetitions', '1', '--no-report', '-o', out);
  execFileSync(process.execPath, [path.join(root, 'dist/cli.js'), ...args], { stdio: 'ignore' });
  const dir = path.join(out, fs.readdirSync(out)[0]);
  const run = JSON.parse(fs.readFileSync(path.join(dir, 'runs.ndjson'), 'utf8').trim().split('\n')[0]);
  if (run.status !== 'ok') throw new Error(`${run.run}: ${run.reason}`);
  const m = run.workers.find((w) => w.role === 'client').metrics;
  const startUp = Math.max(...run.workers.filter((w) => !w.onHost).map((w) => w.readyS));
  return { job: m.jobSeconds, withoutGenerate: m.jobSeconds - m.generateSeconds, startUp };
}

const rows = { anchor: [], job1: [], job4: [], own1: [], own4: [], startUp1: [], startUp4: [] };
for (let r = 0; r < rounds; r++) {
  const steps = [
    ['anchor', () => single()],
    ['c1', () => cluster(1)],
    ['c4', () => cluster(4)],
  ];
  const order = [...steps.slice(r % 3), ...steps.slice(0, r % 3)];
  const got = {};
  for (const [name, fn] of order) got[name] = fn();
  rows.anchor.push(got.anchor);
  for (const [k, c] of [
    ['1', got.c1],
    ['4', got.c4],
  ]) {
    rows[`job${k}`].push(c.job / got.anchor);
    rows[`own${k}`].push(c.withoutGenerate / got.anchor);
    rows[`startUp${k}`].push(c.startUp);
  }
  const s = (c) => `${c.job.toFixed(2)} s (${c.withoutGenerate.toFixed(2)} s without generating)`;
  console.log(`round ${r + 1}: anchor ${got.anchor.toFixed(2)} s, 1 worker ${s(got.c1)}, 4 workers ${s(got.c4)}`);
}
console.log(
  `\ncluster-pagerank ${preset} (${p.pages} pages, ${p.iterations} iterations, ${p.partitions} partitions), ${rounds} rounds, median (range)`,
);
console.log(`anchor: the single-process pagerank, 2 threads, same graph: ${range(rows.anchor)} s`);
console.log(`whole job / anchor:            1 worker ${range(rows.job1)}, 4 workers ${range(rows.job4)}`);
console.log(
  `without generating / anchor:    1 worker ${range(rows.own1)}, 4 workers ${range(rows.own4)}   (goal for 4: ≤ 1.5)`,
);
console.log(
  `start-up to every worker registered: 1 worker ${range(rows.startUp1)} s, 4 workers ${range(rows.startUp4)} s`,
);
fs.rmSync(tmp, { recursive: true, force: true });
