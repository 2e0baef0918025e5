#!/usr/bin/env node
// Kernel speed of the paper's workloads against C++ anchors of the same algorithms
// (bench/ref/*.cpp, g++ -O2), measured in the same run on the same data files:
// k-means iterations, logistic-regression steps, the SQL join, and loading each file.
// Rounds are interleaved and the order rotates per round, because this machine's speed
// drifts by up to 2x within minutes; ratios are taken per round (JS / C++).
//   node bench/kernels.bench.mjs [--preset small] [--rounds 3]
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writePoints } from '../workloads/kmeans/data.mjs';
import { writeRows } from '../workloads/logreg/data.mjs';
import { writeTables } from '../workloads/sqljoin/tables.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(here);
const argOf = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
};
const presetName = argOf('preset', 'small');
const rounds = Number(argOf('rounds', 3));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'versus-kernels-'));
const preset = (w) => {
  const m = JSON.parse(fs.readFileSync(path.join(root, 'workloads', w, 'workload.json'), 'utf8'));
  const p = Object.fromEntries(Object.entries(m.parameters).map(([k, s]) => [k, s.default]));
  return { ...p, ...m.presets[presetName] };
};

const KERNELS = [
  {
    name: 'kmeans',
    compute: 'iterate',
    setup() {
      const p = preset('kmeans');
      const file = path.join(tmp, 'points.csv');
      writePoints(file, p);
      return { js: [`--input=${file}`, `--k=${p.k}`, `--iterations=${p.iterations}`], cpp: [file, p.k, p.iterations] };
    },
  },
  {
    name: 'logreg',
    compute: 'train',
    setup() {
      const p = preset('logreg');
      const file = path.join(tmp, 'rows.libsvm');
      writeRows(file, p);
      return {
        js: [
          `--input=${file}`,
          `--features=${p.features}`,
          `--iterations=${p.iterations}`,
          `--step=${p.step}`,
          `--l2=${p.l2}`,
        ],
        cpp: [file, p.features, p.iterations, p.step, p.l2],
      };
    },
  },
  {
    name: 'sqljoin',
    compute: 'query',
    setup() {
      const p = preset('sqljoin');
      writeTables(tmp, p);
      return { js: [`--input-dir=${tmp}`], cpp: [tmp] };
    },
  },
];

function runJs(k, args, threads) {
  const r = spawnSync(
    process.execPath,
    [path.join(root, 'workloads', k.name, `${k.name}.mjs`), ...args, `--threads=${threads}`],
    {
      encoding: 'utf8',
      maxBuffer: 256 << 20,
    },
  );
  if (r.status !== 0) throw new Error(`${k.name}: ${r.stderr}`);
  const result = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l))
    .find((e) => e.type === 'result');
  return { loadMs: result.ms.load, computeMs: result.ms[k.compute] };
}

function runCpp(bin, args) {
  return JSON.parse(execFileSync(bin, args.map(String), { encoding: 'utf8', maxBuffer: 16 << 20 }));
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x) => x.toFixed(2);
const report = [];
for (const k of KERNELS) {
  console.error(`${k.name}: generating the ${presetName} data…`);
  const args = k.setup();
  const bin = path.join(tmp, `${k.name}-ref`);
  execFileSync('g++', ['-O2', '-std=c++17', '-o', bin, path.join(here, 'ref', `${k.name}.cpp`)]);
  const per = { cpp: [], js1: [], js2: [] };
  const order = ['cpp', 'js1', 'js2'];
  for (let round = 0; round < rounds; round++) {
    for (const which of [...order.slice(round % 3), ...order.slice(0, round % 3)]) {
      per[which].push(which === 'cpp' ? runCpp(bin, args.cpp) : runJs(k, args.js, which === 'js1' ? 1 : 2));
    }
  }
  const ratios = (which, field) => per[which].map((x, i) => x[field] / per.cpp[i][field]);
  const row = {
    kernel: k.name,
    cppComputeMs: median(per.cpp.map((x) => x.computeMs)),
    cppLoadMs: median(per.cpp.map((x) => x.loadMs)),
    js1ComputeRatio: median(ratios('js1', 'computeMs')),
    js2ComputeRatio: median(ratios('js2', 'computeMs')),
    js1LoadRatio: median(ratios('js1', 'loadMs')),
    range: {
      js1Compute: [Math.min(...ratios('js1', 'computeMs')), Math.max(...ratios('js1', 'computeMs'))],
      js1Load: [Math.min(...ratios('js1', 'loadMs')), Math.max(...ratios('js1', 'loadMs'))],
    },
  };
  report.push(row);
  console.error(
    `${k.name.padEnd(8)} C++ compute ${row.cppComputeMs.toFixed(0)} ms, load ${row.cppLoadMs.toFixed(0)} ms | JS/C++ compute: 1 thread ${fmt(row.js1ComputeRatio)} [${row.range.js1Compute.map(fmt).join('–')}], 2 threads ${fmt(row.js2ComputeRatio)} | JS/C++ load ${fmt(row.js1LoadRatio)} [${row.range.js1Load.map(fmt).join('–')}]`,
  );
}
fs.rmSync(tmp, { recursive: true, force: true });
process.stdout.write(
  `${JSON.stringify({ preset: presetName, rounds, cpus: os.availableParallelism(), kernels: report }, null, 2)}\n`,
);
