// The gate, measured: how often `compare` cries wolf and how often it sees a real slowdown.
// From one real experiment with many repetitions per cell (docker and native, pagerank tiny),
// repetition blocks are split at random into disjoint A/A halves of 3, 5, 10 and 20 blocks
// a side, many times: the share of splits `compare` calls "regressed" at the default 5%
// threshold is its false-positive rate; with B's makespans slowed by 5% and 10% the share
// is its power. The same for `history check` on series of experiment means built from the
// same runs, without a step and with a +10% step in the middle.
//   node bench/gate.bench.mjs [--results <dir>] [--repetitions 40] [--splits 1000]
// Without --results it runs the experiment first (about 10 minutes here).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { compareResults } from '../dist/compare/compare.js';
import { DEFAULT_CHANGE_OPTIONS } from '../dist/history/changepoints.js';
import { checkHistory } from '../dist/history/check.js';
import { cellMetrics, metricDefs } from '../dist/results/metrics.js';
import { loadResults, workloadsOf } from '../dist/results/read.js';
import { meanInterval } from '../dist/stats/intervals.js';
import { mulberry32 } from '../dist/stats/random.js';
import { argOf } from './lib.mjs';

const repetitions = Number(argOf('repetitions', '40'));
const splits = Number(argOf('splits', '1000'));
const THRESHOLD = 0.05;

function experiment() {
  const given = argOf('results', null);
  if (given) return given;
  const out = fs.mkdtempSync('/tmp/versus-gate-');
  execFileSync(
    process.execPath,
    [
      'dist/cli.js',
      'run',
      '--env',
      'docker,native',
      '--workload',
      'pagerank',
      '--preset',
      'tiny',
      '--instances',
      '1',
      '--repetitions',
      String(repetitions),
      '--no-report',
      '--name',
      'gate',
      '--output',
      out,
    ],
    { stdio: 'inherit' },
  );
  const dir = fs.readdirSync(out).find((d) => d.endsWith('-gate'));
  return path.join(out, dir);
}

const dir = experiment();
const rs = loadResults(dir);
const defs = metricDefs(workloadsOf(rs.meta));
const ok = rs.runs.filter((r) => !r.warmup && r.status === 'ok');
const blocks = [...new Set(ok.map((r) => r.repetition))];
console.log(`${dir}: ${ok.length} ok runs, ${blocks.length} blocks`);

function shuffled(xs, rand) {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** The runs of some blocks, renumbered 0..k-1 so A and B pair block for block; B's makespans slowed by `slow`. */
function sideOf(chosen, slow = 1) {
  return chosen.flatMap((block, i) =>
    ok
      .filter((r) => r.repetition === block)
      .map((r) => ({ ...r, repetition: i, makespanS: r.makespanS * (r.env === 'docker' ? slow : 1) })),
  );
}

/** Share of A/A splits the gate calls regressed: makespan of docker and native, and docker/native overhead. */
function gateRate(n, slowDocker, metrics) {
  const rand = mulberry32(n * 7919 + Math.round(slowDocker * 1000));
  let regressed = 0;
  for (let s = 0; s < splits; s++) {
    const order = shuffled(blocks, rand);
    const a = cellMetrics(sideOf(order.slice(0, n)), new Map(), defs);
    const b = cellMetrics(sideOf(order.slice(n, 2 * n), slowDocker), new Map(), defs);
    if (compareResults(a, b, metrics, THRESHOLD, rs.meta.views, defs).regressed) regressed++;
  }
  return regressed / splits;
}

const pct = (x) => `${(100 * x).toFixed(1)}%`;
const rows = [];
for (const n of [3, 5, 10, 20]) {
  if (2 * n > blocks.length) continue;
  for (const [what, metrics] of [
    ['makespan', ['makespan']],
    ['overhead', ['overhead']],
  ]) {
    const row = {
      n,
      gate: what,
      aa: gateRate(n, 1, metrics),
      p5: gateRate(n, 1.05, metrics),
      p10: gateRate(n, 1.1, metrics),
    };
    rows.push(row);
    console.log(
      `n=${n} ${what}: A/A regressed ${pct(row.aa)}, +5% detected ${pct(row.p5)}, +10% detected ${pct(row.p10)}`,
    );
  }
}

/** history check: series of experiment means (k blocks each), flat or with a step of `step` halfway. */
function historyRate(k, points, step) {
  const rand = mulberry32(k * 31 + Math.round(step * 100));
  let alarms = 0;
  const trials = Math.max(100, Math.round(splits / 5));
  for (let t = 0; t < trials; t++) {
    const order = shuffled(blocks, rand);
    const pts = Array.from({ length: points }, (_, i) => {
      const chosen = Array.from({ length: k }, (_, j) => order[(i * k + j) % order.length]);
      const xs = sideOf(chosen)
        .filter((r) => r.env === 'docker')
        .map((r) => r.makespanS * (i >= points / 2 ? step : 1));
      const ci = meanInterval(xs);
      return { label: `p${i}`, startedAt: '', mean: ci.estimate, ci95: [ci.lo, ci.hi], n: xs.length, report: null };
    });
    const series = [
      {
        key: 's',
        workload: 'pagerank',
        env: 'docker',
        instances: 1,
        metric: 'makespan',
        unit: 's',
        worse: 'higher',
        points,
      },
    ];
    series[0].points = pts;
    const c = checkHistory(series, { threshold: THRESHOLD, metrics: null, options: DEFAULT_CHANGE_OPTIONS });
    if (c.findings.some((f) => f.verdict === 'regression')) alarms++;
  }
  return alarms / trials;
}

const history = [];
for (const k of [3, 5]) {
  const flat = historyRate(k, 12, 1);
  const stepped = historyRate(k, 12, 1.1);
  history.push({ k, flat, stepped });
  console.log(`history check, 12 points of ${k} runs: no step alarmed ${pct(flat)}, +10% step found ${pct(stepped)}`);
}
const out = path.join(dir, 'gate.json');
fs.writeFileSync(
  out,
  `${JSON.stringify({ results: dir, splits, threshold: THRESHOLD, compare: rows, history }, null, 2)}\n`,
);
console.log(`written ${out}`);
