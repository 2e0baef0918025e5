import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Prng } from '../../workloads/lib/prng.mjs';
// The workload is plain JavaScript; the tests import its modules directly.
import { buildInCsr } from '../../workloads/pagerank/lib/csr.mjs';
import { readEdgeList } from '../../workloads/pagerank/lib/edgelist.mjs';
import { generatePages, generateRmat } from '../../workloads/pagerank/lib/generators.mjs';
import { checksum, pagerank, topK } from '../../workloads/pagerank/lib/rank.mjs';

const ENTRY = path.resolve('workloads/pagerank/pagerank.mjs');

type Edge = [number, number];

async function rank(
  edges: Edge[],
  n: number,
  opts: { iterations?: number; tolerance?: number; threads?: number; damping?: number } = {},
) {
  const src = Uint32Array.from(edges.map((e) => e[0]));
  const dst = Uint32Array.from(edges.map((e) => e[1]));
  const graph = buildInCsr(src, dst, n);
  const r = await pagerank(graph, {
    n,
    damping: opts.damping ?? 0.85,
    iterations: opts.iterations ?? 200,
    tolerance: opts.tolerance ?? 1e-14,
    threads: opts.threads ?? 1,
  });
  return { ...r, graph };
}

/** Straightforward dense reference: same semantics, no cleverness. */
function denseReference(edges: Edge[], n: number, iterations: number, damping = 0.85): number[] {
  const unique = new Set(edges.map(([s, d]) => `${s},${d}`));
  const out = Array.from({ length: n }, () => [] as number[]);
  for (const k of unique) {
    const [s, d] = k.split(',').map(Number) as [number, number];
    out[s]!.push(d);
  }
  let r = new Array(n).fill(1 / n);
  for (let it = 0; it < iterations; it++) {
    const next = new Array(n).fill(0);
    let dangling = 0;
    for (let u = 0; u < n; u++) {
      if (out[u]!.length === 0) dangling += r[u];
      else for (const v of out[u]!) next[v] += r[u] / out[u]!.length;
    }
    r = next.map((x) => (1 - damping) / n + damping * (x + dangling / n));
  }
  return r;
}

function randomGraph(seed: number, n: number, m: number): Edge[] {
  const p = new Prng(seed);
  return Array.from({ length: m }, () => [p.nextBelow(n), p.nextBelow(n)] as Edge);
}

describe('pagerank kernel', () => {
  it('gives every vertex of a cycle the same rank', async () => {
    const n = 5;
    const { ranks } = await rank(
      Array.from({ length: n }, (_, i) => [i, (i + 1) % n] as Edge),
      n,
    );
    for (const r of ranks) expect(r).toBeCloseTo(1 / n, 12);
  });

  it('matches the closed form of a star whose leaves point at the centre', async () => {
    // leaves 1..k -> 0; the centre is dangling and spreads its mass uniformly.
    const k = 4;
    const n = k + 1;
    const { ranks } = await rank(
      Array.from({ length: k }, (_, i) => [i + 1, 0] as Edge),
      n,
    );
    const ref = denseReference(
      Array.from({ length: k }, (_, i) => [i + 1, 0] as Edge),
      n,
      500,
    );
    ranks.forEach((r: number, i: number) => {
      expect(r).toBeCloseTo(ref[i]!, 12);
    });
    expect(ranks[0]).toBeGreaterThan(ranks[1]!);
    // leaf rank by hand: (1-d)/n + d * c/n where c is the centre's rank
    const c = ranks[0]!;
    expect(ranks[1]).toBeCloseTo((1 - 0.85) / n + (0.85 * c) / n, 12);
  });

  it('keeps self-loops, collapses duplicate edges and spreads dangling mass', async () => {
    const edges: Edge[] = [
      [0, 1],
      [0, 1],
      [0, 1],
      [1, 1],
      [1, 2],
      [2, 0],
      [3, 0],
    ];
    const { ranks, graph } = await rank(edges, 5);
    expect(graph.edges).toBe(5); // 0->1 once, 1->1, 1->2, 2->0, 3->0
    // rows padded to whole steps of 4 with the dummy vertex 5: in-rows of 0, 1, 2 hold 2, 2, 1 edges
    expect(Array.from(graph.rowptr)).toEqual([0, 4, 8, 12, 12, 12]);
    expect(Array.from(graph.col.subarray(0, 12))).toEqual([2, 3, 5, 5, 0, 1, 5, 5, 1, 5, 5, 5]);
    expect(graph.outdeg[1]).toBe(2); // self-loop counts
    const ref = denseReference(edges, 5, 500);
    ranks.forEach((r: number, i: number) => {
      expect(r).toBeCloseTo(ref[i]!, 12);
    });
    expect(ranks.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('agrees with the dense reference on random graphs to 1e-9', async () => {
    for (const [seed, n, m] of [
      [1, 200, 900],
      [2, 500, 3000],
      [3, 300, 200],
    ] as const) {
      const edges = randomGraph(seed, n, m);
      const { ranks } = await rank(edges, n, { iterations: 30, tolerance: 0 });
      const ref = denseReference(edges, n, 30);
      let maxErr = 0;
      ranks.forEach((r: number, i: number) => {
        maxErr = Math.max(maxErr, Math.abs(r - ref[i]!));
      });
      expect(maxErr).toBeLessThan(1e-9);
    }
  });

  it('produces the same checksum for every thread count', async () => {
    const n = 5000; // several blocks of 1024
    const edges = randomGraph(7, n, 40000);
    const sums = new Set<string>();
    for (const threads of [1, 2, 3, 4]) {
      const { ranks } = await rank(edges, n, { iterations: 15, tolerance: 0, threads });
      sums.add(checksum(ranks));
    }
    expect(sums.size).toBe(1);
  });

  it('stops when the change falls under the tolerance', async () => {
    const r = await rank(randomGraph(4, 300, 2000), 300, { iterations: 1000, tolerance: 1e-6 });
    expect(r.converged).toBe(true);
    expect(r.iterations).toBeLessThan(1000);
    expect(r.delta).toBeLessThan(1e-6);
  });

  it('lists the top vertices by rank, ties by lower index', () => {
    const top = topK(Float64Array.from([0.1, 0.3, 0.3, 0.05, 0.25]), 3);
    expect(top.map((t: { vertex: number }) => t.vertex)).toEqual([1, 2, 4]);
  });
});

describe('generators', () => {
  const collect = (gen: typeof generateRmat | typeof generatePages, params: object) => {
    const edges: number[] = [];
    const info = gen(params as never, (s: number, d: number) => edges.push(s, d));
    return { edges, info };
  };

  it('R-MAT is deterministic per seed and has the Graph500 edge count', () => {
    const a = collect(generateRmat, { scale: 8, edgeFactor: 16, seed: 5 });
    const b = collect(generateRmat, { scale: 8, edgeFactor: 16, seed: 5 });
    const c = collect(generateRmat, { scale: 8, edgeFactor: 16, seed: 6 });
    expect(a.edges).toEqual(b.edges);
    expect(a.edges).not.toEqual(c.edges);
    expect(a.info).toEqual({ vertices: 256, edges: 4096 });
    expect(Math.max(...a.edges)).toBeLessThan(256);
  });

  it('R-MAT degrees are skewed (a few vertices hold many edges)', () => {
    const { edges } = collect(generateRmat, { scale: 10, edgeFactor: 16, seed: 1 });
    const deg = new Array(1024).fill(0);
    for (let i = 1; i < edges.length; i += 2) deg[edges[i]!]++;
    deg.sort((x, y) => y - x);
    const top1pct = deg.slice(0, 10).reduce((a, b) => a + b, 0);
    expect(top1pct / (edges.length / 2)).toBeGreaterThan(0.05); // uniform would be 0.01
  });

  it('pages graph is deterministic with Zipf-popular targets', () => {
    const a = collect(generatePages, { pages: 2000, avgLinks: 8, zipf: 1, seed: 3 });
    const b = collect(generatePages, { pages: 2000, avgLinks: 8, zipf: 1, seed: 3 });
    expect(a.edges).toEqual(b.edges);
    expect(a.info.edges).toBe(a.edges.length / 2);
    expect(a.info.edges / 2000).toBeGreaterThan(6);
    expect(a.info.edges / 2000).toBeLessThan(10);
    const indeg = new Map<number, number>();
    for (let i = 1; i < a.edges.length; i += 2) indeg.set(a.edges[i]!, (indeg.get(a.edges[i]!) ?? 0) + 1);
    const max = Math.max(...indeg.values());
    expect(max).toBeGreaterThan(50 * (a.info.edges / 2000)); // the most popular page is far above average
  });
});

describe('edge-list files', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'versus-edges-'));
  const write = (name: string, text: string) => {
    const f = path.join(tmp, name);
    fs.writeFileSync(f, text);
    return f;
  };

  it('reads SNAP text: comments, blank lines, tabs or spaces, CRLF, sparse ids remapped', () => {
    const f = write('snap.txt', '# Directed graph\n# Nodes: 3 Edges: 4\n\n10\t2000\r\n2000  10\n  7 10\n10\t2000\n');
    const g = readEdgeList(f);
    expect(g.vertices).toBe(3);
    expect(Array.from(g.originalIds!)).toEqual([7, 10, 2000]);
    expect(Array.from(g.src)).toEqual([1, 2, 0, 1]);
    expect(Array.from(g.dst)).toEqual([2, 1, 1, 2]);
  });

  it('maps sparse ids densely in increasing id order, by table for small ids and by sorting for huge ones', () => {
    const small = readEdgeList(write('small-ids.txt', '7 5\n5 900\n900 7\n7 900\n'));
    const huge = readEdgeList(write('huge-ids.txt', '7 5\n5 900000000000\n900000000000 7\n7 900000000000\n'));
    expect(Array.from(small.originalIds!)).toEqual([5, 7, 900]);
    expect(Array.from(huge.originalIds!)).toEqual([5, 7, 900000000000]);
    for (const g of [small, huge]) {
      expect(Array.from(g.src)).toEqual([1, 0, 2, 1]);
      expect(Array.from(g.dst)).toEqual([0, 2, 1, 2]);
    }
  });

  it('keeps isolated vertices of its own dense files', () => {
    const f = write('dense.txt', '# Dense: 6\n0\t1\n1\t2\n');
    const g = readEdgeList(f);
    expect(g.vertices).toBe(6);
    expect(g.originalIds).toBeNull();
  });

  it('names the file and line of a corrupt line', () => {
    const f = write('bad.txt', '# x\n1 2\n3 x\n');
    expect(() => readEdgeList(f)).toThrow(`corrupt edge list ${f}:3: unexpected character "x"`);
    const g = write('short.txt', '1 2\n3\n');
    expect(() => readEdgeList(g)).toThrow(`${g}:2: expected two vertex ids, found 1`);
    const h = write('long.txt', '1 2 3\n');
    expect(() => readEdgeList(h)).toThrow(`${h}:1: more than two fields`);
  });
});

function runWorkload(args: string[]) {
  const r = spawnSync(process.execPath, [ENTRY, ...args], { encoding: 'utf8', timeout: 60_000 });
  const lines = r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  return { code: r.status, lines, stderr: r.stderr, result: lines.find((l) => l.type === 'result') };
}

describe('pagerank.mjs command line', () => {
  it('prints phases, iterations and a verified result as JSON lines', () => {
    const r = runWorkload(['--preset', 'tiny', '--pages', '3000', '--iterations', '4', '--threads', '2']);
    expect(r.code).toBe(0);
    const phases = r.lines.filter((l) => l.type === 'phase' && l.state === 'end').map((l) => l.phase);
    expect(phases).toEqual(['generate', 'load', 'build', 'iterate', 'result']);
    expect(r.lines.filter((l) => l.type === 'iteration')).toHaveLength(4);
    expect(r.result.verified).toBe(true);
    expect(r.result.checksum).toMatch(/^[0-9a-f]{16}$/);
    expect(Math.abs(r.result.rankSum - 1)).toBeLessThan(1e-9);
    expect(r.result.top).toHaveLength(10);
  });

  it('writes ranks with the original ids of a file graph', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'versus-ranks-'));
    const input = path.join(dir, 'g.txt');
    fs.writeFileSync(input, '100 200\n200 300\n300 100\n');
    const out = path.join(dir, 'ranks.txt');
    const r = runWorkload(['--graph', 'file', '--input', input, '--ranks-out', out, '--iterations', '50']);
    expect(r.code).toBe(0);
    const lines = fs.readFileSync(out, 'utf8').trim().split('\n');
    expect(lines.map((l) => l.split(' ')[0])).toEqual(['100', '200', '300']);
    for (const l of lines) expect(Number(l.split(' ')[1])).toBeCloseTo(1 / 3, 12);
  });

  it.each([
    [['--bogus', '1'], 'unknown flag --bogus'],
    [['--pages', '0'], '--pages must be between 1 and 50000000, not 0'],
    [['--pages', 'abc'], '--pages must be an integer'],
    [['--damping', '1'], '--damping must be between 0 and 1 (exclusive)'],
    [['--graph', 'file'], '--graph file needs --input PATH'],
    [['--graph', 'file', '--input', '/nonexistent/g.txt'], 'cannot open edge list /nonexistent/g.txt: ENOENT'],
    [['--preset', 'nope'], '--preset must be one of default, tiny, small, paper, large'],
    [['--graph', 'rmat', '--scale', '26', '--max-memory-mb', '64'], 'more than the 64 MiB allowed'],
  ])('rejects %j with one line on stderr and exit 2', (args, message) => {
    const r = runWorkload(args);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(message);
    expect(r.result).toBeUndefined();
  });

  it('reports a corrupt input file with its line number', () => {
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'versus-bad-')), 'g.txt');
    fs.writeFileSync(f, '1 2\n2 3\n3 -1\n');
    const r = runWorkload(['--graph', 'file', '--input', f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${f}:3: unexpected character "-"`);
  });
});
