#!/usr/bin/env node
// PageRank kernel benchmark: time per iteration on one R-MAT edge list, for this
// workload (1 thread and all threads) next to anchors measured in the same run:
// a C++ pull loop (g++ -O2), a naive JavaScript implementation, and igraph when
// python3-igraph is installed. Ratios are against the C++ anchor.
//   node bench/pagerank.bench.mjs [--scale 18] [--iterations 10]
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { buildInCsr } from '../workloads/pagerank/lib/csr.mjs';
import { EdgeListWriter, readEdgeList } from '../workloads/pagerank/lib/edgelist.mjs';
import { generateRmat } from '../workloads/pagerank/lib/generators.mjs';
import { pagerank } from '../workloads/pagerank/lib/rank.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const scale = arg('scale', 18);
const iterations = arg('iterations', 10);
const cpus = os.availableParallelism();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'versus-bench-'));

console.error(`generating R-MAT scale ${scale} (edge factor 16)…`);
const n = 2 ** scale;
const m = 16 * n;
const src = new Uint32Array(m);
const dst = new Uint32Array(m);
let k = 0;
const edgeFile = path.join(tmp, 'rmat.edges');
const writer = new EdgeListWriter(edgeFile, { vertices: n, edges: m, description: 'bench' });
generateRmat({ scale, edgeFactor: 16, seed: 1 }, (s, d) => {
  src[k] = s;
  dst[k++] = d;
  writer.add(s, d);
});
writer.close();
const edgeBytes = fs.statSync(edgeFile).size;
// the general case for loading: a SNAP file without our "# Dense" line, so ids are remapped
const snapFile = path.join(tmp, 'rmat.snap');
fs.writeFileSync(snapFile, fs.readFileSync(edgeFile, 'utf8').replace(/^# Dense: \d+\n/m, ''));
const graph = buildInCsr(src, dst, n);
const edges = graph.edges;
const rows = [];

// Interleaved rounds: this machine's speed drifts by tens of percent between
// minutes, so every round measures the anchor and the candidates back to back,
// and the ratios are taken per round.
const rounds = arg('rounds', 3);
const cpp = path.join(tmp, 'pagerank-ref');
let haveCpp = true;
try {
  execFileSync('g++', ['-O2', '-fopenmp', '-std=c++17', '-o', cpp, path.join(here, 'ref/pagerank.cpp')]);
} catch (err) {
  haveCpp = false;
  console.error(`C++ anchor unavailable (g++ missing?): ${err.message}`);
}
const cppName = (threads) => `C++ pull, ${threads} thread${threads > 1 ? 's' : ''} (g++ -O2, OpenMP)`;
const perRound = new Map();
const note = (name, ms) => {
  if (!perRound.has(name)) perRound.set(name, []);
  perRound.get(name).push(ms);
};
const loads = { cpp: [], js: [] };
for (let round = 0; round < rounds; round++) {
  if (haveCpp)
    for (const threads of [...new Set([1, cpus])]) {
      const ref = JSON.parse(
        execFileSync(cpp, [edgeFile, String(n), String(iterations)], {
          encoding: 'utf8',
          env: { ...process.env, OMP_NUM_THREADS: String(threads) },
        }),
      );
      note(cppName(threads), ref.msPerIteration);
      if (threads === 1) loads.cpp.push(ref.loadMs);
    }
  // loading: the edge-list text parsed (ids remapped) and the in-edge CSR built, as the C++ anchor does
  const l0 = performance.now();
  const loaded = readEdgeList(snapFile);
  buildInCsr(loaded.src, loaded.dst, loaded.vertices);
  loads.js.push(performance.now() - l0);
  for (const threads of [...new Set([1, cpus])]) {
    const times = [];
    await pagerank(graph, {
      n,
      damping: 0.85,
      iterations,
      tolerance: 0,
      threads,
      onIteration: (it) => times.push(it.ms),
    });
    note(`versus pagerank, ${threads} thread${threads > 1 ? 's' : ''}`, median(times.slice(1)));
  }
}
// each versus row against the C++ anchor with the same number of threads
const anchorOf = (name) => perRound.get(cppName(Number(name.match(/(\d+) threads?/)?.[1] ?? 1)));
const anchorRounds = perRound.get(cppName(1));
for (const [name, ms] of perRound) {
  const anchor = anchorOf(name);
  const ratios = anchor ? ms.map((x, i) => x / anchor[i]) : null;
  rows.push({
    name,
    msPerIteration: median(ms),
    edgesPerSecond: edges / (median(ms) / 1000),
    ratio: ratios ? median(ratios) : null,
    range: ratios && !name.startsWith('C++') ? [Math.min(...ratios), Math.max(...ratios)] : null,
    note: name.startsWith('C++') ? 'anchor' : '',
  });
}

// naive JavaScript: arrays of arrays, push style, no typed arrays
{
  const out = Array.from({ length: n }, () => []);
  const seen = new Set();
  for (let i = 0; i < m; i++) {
    const key = src[i] * n + dst[i];
    if (seen.has(key)) continue;
    seen.add(key);
    out[src[i]].push(dst[i]);
  }
  let rank = new Array(n).fill(1 / n);
  const times = [];
  for (let it = 0; it < Math.min(iterations, 5); it++) {
    const t0 = performance.now();
    const next = new Array(n).fill(0);
    let dangling = 0;
    for (let u = 0; u < n; u++) {
      const o = out[u];
      if (o.length === 0) dangling += rank[u];
      else for (const v of o) next[v] += rank[u] / o.length;
    }
    rank = next.map((x) => 0.15 / n + 0.85 * (x + dangling / n));
    times.push(performance.now() - t0);
  }
  const ms = median(times);
  rows.push({
    name: 'naive JavaScript, 1 thread',
    msPerIteration: ms,
    edgesPerSecond: edges / (ms / 1000),
    ratio: anchorRounds ? ms / median(anchorRounds) : null,
  });
}

// igraph (PRPACK solves to convergence: reported per call, not per iteration)
{
  const py = spawnSync(
    'python3',
    [
      '-c',
      `
import igraph, time, sys
edges = []
with open(sys.argv[1]) as f:
    for line in f:
        if line[0] != '#':
            a, b = line.split()
            edges.append((int(a), int(b)))
g = igraph.Graph(n=int(sys.argv[2]), edges=edges, directed=True)
g.simplify(multiple=True, loops=False)
t = time.perf_counter(); g.pagerank(damping=0.85); print((time.perf_counter() - t) * 1000)
`,
      edgeFile,
      String(n),
    ],
    { encoding: 'utf8' },
  );
  if (py.status === 0)
    rows.push({
      name: 'igraph PRPACK (whole solve)',
      msPerIteration: Number(py.stdout.trim()),
      edgesPerSecond: null,
      note: 'solves to convergence',
    });
  else console.error('igraph unavailable (apt-get install python3-igraph to add it)');
}

// peak RSS of the workload process at this scale, above the runtime's baseline
const baseline = Number(
  execFileSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { peakRssBytes } from '${path.join(here, '../workloads/lib/resources.mjs')}'; process.stdout.write(String(peakRssBytes()))`,
    ],
    { encoding: 'utf8' },
  ),
);
const run = spawnSync(
  process.execPath,
  [
    path.join(here, '../workloads/pagerank/pagerank.mjs'),
    '--graph',
    'rmat',
    '--scale',
    String(scale),
    '--iterations',
    '2',
    '--threads',
    '1',
    '--work-dir',
    tmp,
  ],
  { encoding: 'utf8', maxBuffer: 1 << 26 },
);
const result = run.stdout
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l))
  .find((l) => l.type === 'result');
fs.rmSync(tmp, { recursive: true, force: true });

console.log(`\nPageRank per iteration, R-MAT scale ${scale}: ${n} vertices, ${edges} unique edges, ${cpus} CPUs`);
console.log(
  `median of ${rounds} interleaved rounds; "vs C++" is the median of the per-round ratios against the C++ anchor with as many threads`,
);
console.log(
  ['implementation'.padEnd(34), 'ms/iter'.padStart(9), 'edges/s'.padStart(10), 'vs C++'.padStart(8)].join('  '),
);
for (const r of rows) {
  console.log(
    [
      r.name.padEnd(34),
      r.msPerIteration.toFixed(2).padStart(9),
      (r.edgesPerSecond ? r.edgesPerSecond.toExponential(2) : '-').padStart(10),
      (r.ratio ? `${r.ratio.toFixed(2)}x` : '-').padStart(8),
      r.range ? `per-round ${r.range[0].toFixed(2)}–${r.range[1].toFixed(2)}` : '',
    ]
      .join('  ')
      .trimEnd(),
  );
}
if (loads.cpp.length) {
  const ratios = loads.js.map((x, i) => x / loads.cpp[i]);
  console.log(
    `\nloading (parse the ${(edgeBytes / 1e6).toFixed(0)} MB edge list, build the in-edge CSR): C++ ${median(loads.cpp).toFixed(0)} ms, versus ${median(loads.js).toFixed(0)} ms = ${median(ratios).toFixed(2)}x (per-round ratios ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`,
  );
}
if (result) {
  const above = result.peakRssBytes - baseline;
  console.log(
    `\npeak RSS of the workload: ${(result.peakRssBytes / 2 ** 20).toFixed(0)} MiB, ${(above / 2 ** 20).toFixed(0)} MiB above node's baseline = ${(above / result.edges).toFixed(1)} bytes per edge`,
  );
}
