#!/usr/bin/env node
// What the cluster engine costs: the cluster PageRank (Dask distributed, through versus,
// native workers) against the single-process pagerank workload on the same data run by hand
// with 2 threads (the anchor), in the same rounds, interleaved, the order rotating per round
// (this machine's speed drifts by up to 2x within minutes). Ratios are per round: the
// cluster job's wall time (generate, load, iterate, gather) over the single process's (load,
// build, iterate), with 1 and 4 workers; and the time from the run's start to every worker
// registered (the run's provisioning).
//   node bench/cluster.bench.mjs [--rounds 3] [--preset small]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const argOf = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
};
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

/** The cluster job through versus with `n` native workers: its wall time and the run's provisioning. */
function cluster(n) {
  const out = path.join(tmp, `run-${n}-${Date.now()}`);
  execFileSync(
    process.execPath,
    [
      path.join(root, 'dist/cli.js'),
      'run',
      '--workload',
      'cluster-pagerank',
      '--preset',
      preset,
      '--env',
      'native',
      '--instances',
      String(n),
      '--repetitions',
      '1',
      '--no-report',
      '-o',
      out,
    ],
    { stdio: 'ignore' },
  );
  const dir = path.join(out, fs.readdirSync(out)[0]);
  const run = JSON.parse(fs.readFileSync(path.join(dir, 'runs.ndjson'), 'utf8').trim().split('\n')[0]);
  if (run.status !== 'ok') throw new Error(`${run.run}: ${run.reason}`);
  const c = run.workers.find((w) => w.role === 'client');
  return { job: c.metrics.jobSeconds, provision: run.provisionS, makespan: run.makespanS };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = { one: [], four: [], provision1: [], provision4: [], anchor: [] };
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
  rows.one.push(got.c1.job / got.anchor);
  rows.four.push(got.c4.job / got.anchor);
  rows.provision1.push(got.c1.provision);
  rows.provision4.push(got.c4.provision);
  console.log(
    `round ${r + 1}: anchor ${got.anchor.toFixed(2)} s, 1 worker ${got.c1.job.toFixed(2)} s, 4 workers ${got.c4.job.toFixed(2)} s`,
  );
}
const range = (xs) => `${median(xs).toFixed(2)} (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`;
console.log(
  `\ncluster-pagerank ${preset} (${p.pages} pages, ${p.iterations} iterations, ${p.partitions} partitions), ${rounds} rounds`,
);
console.log(`anchor: the single-process pagerank, 2 threads, same graph: ${range(rows.anchor)} s`);
console.log(`cluster job / anchor, 1 worker:  ${range(rows.one)}`);
console.log(`cluster job / anchor, 4 workers: ${range(rows.four)}   (goal: ≤ 1.5)`);
console.log(
  `provisioning to every worker registered: 1 worker ${range(rows.provision1)} s, 4 workers ${range(rows.provision4)} s`,
);
fs.rmSync(tmp, { recursive: true, force: true });
