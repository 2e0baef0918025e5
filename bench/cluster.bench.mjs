#!/usr/bin/env node
// What the cluster engine costs, in two ratios (goals of the cluster issue), measured in the
// same rounds, interleaved, the order rotating per round (this machine's speed drifts by up
// to 2x within minutes):
// - the engine's own overhead: the cluster PageRank (Dask distributed, through versus, one
//   native worker with 2 threads) over the single-process pagerank workload on the same data
//   run by hand with 2 threads (the anchor);
// - the cost of spreading the job: 4 native workers of 1 thread over that one worker of 2
//   threads, on the same 2 cores (goal: ≤ 1.5).
// Each as the whole job (generate through the disk, load, iterate, gather) and like for like
// without the generation (the anchor's graph was written before its clock started); beside
// them the cluster's start-up (from the run's start to every worker registered).
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
function cluster(n, threads) {
  const out = path.join(tmp, `run-${n}-${Date.now()}`);
  const args = ['run', '--workload', 'cluster-pagerank', '--preset', preset, '--env', 'native'];
  args.push('--param', `threads=${threads}`);
  args.push('--instances', String(n), '--repetitions', '1', '--no-report', '-o', out);
  execFileSync(process.execPath, [path.join(root, 'dist/cli.js'), ...args], { stdio: 'ignore' });
  const dir = path.join(out, fs.readdirSync(out)[0]);
  const run = JSON.parse(fs.readFileSync(path.join(dir, 'runs.ndjson'), 'utf8').trim().split('\n')[0]);
  if (run.status !== 'ok') throw new Error(`${run.run}: ${run.reason}`);
  const m = run.workers.find((w) => w.role === 'client').metrics;
  const startUp = Math.max(...run.workers.filter((w) => !w.onHost).map((w) => w.readyS));
  return { job: m.jobSeconds, withoutGenerate: m.jobSeconds - m.generateSeconds, startUp };
}

const rows = { anchor: [], engine: [], engineOwn: [], spread: [], spreadOwn: [], startUp1: [], startUp4: [] };
for (let r = 0; r < rounds; r++) {
  const steps = [
    ['anchor', () => single()],
    ['c1', () => cluster(1, 2)],
    ['c4', () => cluster(4, 1)],
  ];
  const order = [...steps.slice(r % 3), ...steps.slice(0, r % 3)];
  const got = {};
  for (const [name, fn] of order) got[name] = fn();
  const { anchor, c1, c4 } = got;
  rows.anchor.push(anchor);
  rows.engine.push(c1.job / anchor);
  rows.engineOwn.push(c1.withoutGenerate / anchor);
  rows.spread.push(c4.job / c1.job);
  rows.spreadOwn.push(c4.withoutGenerate / c1.withoutGenerate);
  rows.startUp1.push(c1.startUp);
  rows.startUp4.push(c4.startUp);
  const s = (c) => `${c.job.toFixed(2)} s (${c.withoutGenerate.toFixed(2)} s without generating)`;
  console.log(`round ${r + 1}: anchor ${anchor.toFixed(2)} s, 1 worker × 2 threads ${s(c1)}, 4 workers × 1 ${s(c4)}`);
}
console.log(
  `\ncluster-pagerank ${preset} (${p.pages} pages, ${p.iterations} iterations, ${p.partitions} partitions), ${rounds} rounds, median (range)`,
);
console.log(`anchor: the single-process pagerank, 2 threads, same graph: ${range(rows.anchor)} s`);
console.log(
  `engine overhead, 1 worker × 2 threads / anchor: whole job ${range(rows.engine)}, without generating ${range(rows.engineOwn)}`,
);
console.log(
  `spreading, 4 workers × 1 / 1 worker × 2 threads: whole job ${range(rows.spread)}, without generating ${range(rows.spreadOwn)}   (goal: ≤ 1.5)`,
);
console.log(
  `start-up to every worker registered: 1 worker ${range(rows.startUp1)} s, 4 workers ${range(rows.startUp4)} s`,
);
fs.rmSync(tmp, { recursive: true, force: true });
