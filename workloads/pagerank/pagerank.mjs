#!/usr/bin/env node
// PageRank workload for versus. Plain JavaScript with no dependencies, so the same
// file runs on the host's Node.js, in the container and in the VM. stdout carries
// JSON lines only; an input error is one line on stderr and exit code 2.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from '../lib/args.mjs';
import { WorkloadError } from '../lib/errors.mjs';
import { memoryLimitBytes, peakRssBytes, usableCpus } from '../lib/resources.mjs';
import { buildInCsr } from './lib/csr.mjs';
import { EdgeListWriter, readEdgeList } from './lib/edgelist.mjs';
import { generatePages, generateRmat } from './lib/generators.mjs';
import { checksum, pagerank, topK } from './lib/rank.mjs';

const manifest = JSON.parse(fs.readFileSync(new URL('./workload.json', import.meta.url), 'utf8'));

function emit(obj) {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

async function phase(name, fn) {
  emit({ type: 'phase', phase: name, state: 'begin', t: Date.now() });
  const t0 = performance.now();
  const extra = await fn();
  const ms = performance.now() - t0;
  emit({ type: 'phase', phase: name, state: 'end', ms, t: Date.now(), ...extra });
  return ms;
}

async function main(argv) {
  const p = parseArgs(manifest, argv);
  if (p.graph === 'file' && !p.input) throw new WorkloadError('--graph file needs --input PATH');
  if (p.graph !== 'file' && p.input) throw new WorkloadError('--input needs --graph file');
  const threads = p.threads ?? usableCpus();
  const limit = p['max-memory-mb'] !== null ? p['max-memory-mb'] * 2 ** 20 : memoryLimitBytes();
  const checkMemory = (vertices, edges) => {
    const need = estimateBytes(vertices, edges);
    if (need > limit) {
      throw new WorkloadError(
        `graph of ${vertices} vertices and ${edges} edges needs about ${mib(need)} MiB, more than the ${mib(limit)} MiB allowed`,
      );
    }
  };
  emit({
    type: 'start',
    workload: manifest.name,
    version: manifest.version,
    node: process.version,
    threads,
    params: p,
    t: Date.now(),
  });

  const ms = {};
  let file = p.input;
  let generated = null;
  if (p.graph !== 'file') {
    const expected = p.graph === 'rmat' ? 2 ** p.scale * p['edge-factor'] : p.pages * p['avg-links'];
    checkMemory(p.graph === 'rmat' ? 2 ** p.scale : p.pages, expected);
    const dir = p['work-dir'] ?? os.tmpdir();
    file = path.join(dir, `versus-pagerank-${process.pid}-${Date.now()}.edges`);
    ms.generate = await phase('generate', () => {
      let writer;
      try {
        writer = new EdgeListWriter(file, {
          vertices: p.graph === 'rmat' ? 2 ** p.scale : p.pages,
          edges: expected,
          description: `versus pagerank ${p.graph} graph, seed ${p.seed}`,
        });
      } catch (err) {
        throw new WorkloadError(`cannot write the edge list in ${dir}: ${err.code ?? err.message}`);
      }
      const add = (s, d) => writer.add(s, d);
      generated =
        p.graph === 'rmat'
          ? generateRmat({ scale: p.scale, edgeFactor: p['edge-factor'], seed: p.seed }, add)
          : generatePages({ pages: p.pages, avgLinks: p['avg-links'], zipf: p.zipf, seed: p.seed }, add);
      return { ...generated, bytes: writer.close(), path: file };
    });
  }

  let edgeList;
  try {
    ms.load = await phase('load', () => {
      edgeList = readEdgeList(file);
      return { bytes: edgeList.bytes, vertices: edgeList.vertices, edges: edgeList.src.length };
    });
  } finally {
    if (generated && !p['keep-data']) fs.rmSync(file, { force: true });
  }
  if (edgeList.vertices === 0) throw new WorkloadError(`edge list ${file} has no edges`);
  checkMemory(edgeList.vertices, edgeList.src.length);

  let graph;
  ms.build = await phase('build', () => {
    graph = buildInCsr(edgeList.src, edgeList.dst, edgeList.vertices);
    edgeList.src = null;
    edgeList.dst = null;
    return { vertices: edgeList.vertices, edges: graph.edges };
  });

  let result;
  let iterateMs = 0;
  ms.iterate = await phase('iterate', async () => {
    result = await pagerank(graph, {
      n: edgeList.vertices,
      damping: p.damping,
      iterations: p.iterations,
      tolerance: p.tolerance,
      threads,
      onIteration: (it) => {
        iterateMs += it.ms;
        emit({ type: 'iteration', ...it });
      },
    });
    return { iterations: result.iterations, converged: result.converged };
  });

  let summary;
  ms.result = await phase('result', () => {
    const ranks = result.ranks;
    const original = (v) => (edgeList.originalIds ? edgeList.originalIds[v] : v);
    let rankSum = 0;
    for (let v = 0; v < ranks.length; v++) rankSum += ranks[v];
    if (p['ranks-out']) writeRanks(p['ranks-out'], ranks, original);
    summary = {
      checksum: checksum(ranks),
      rankSum,
      top: topK(ranks, 10).map(({ vertex, rank }) => ({ vertex: original(vertex), rank })),
    };
    return {};
  });

  if (!(Math.abs(summary.rankSum - 1) < 1e-9)) throw new Error(`ranks sum to ${summary.rankSum}, not 1`);
  emit({
    type: 'result',
    workload: manifest.name,
    vertices: edgeList.vertices,
    edges: graph.edges,
    iterations: result.iterations,
    converged: result.converged,
    delta: result.delta,
    checksum: summary.checksum,
    rankSum: summary.rankSum,
    verified: true,
    top: summary.top,
    metrics: {
      edgesPerSecond: iterateMs > 0 ? (graph.edges * result.iterations) / (iterateMs / 1000) : 0,
      msPerIteration: iterateMs / result.iterations,
      loadSeconds: ms.load / 1000,
      iterations: result.iterations,
    },
    peakRssBytes: peakRssBytes(),
    threads,
    ms,
    t: Date.now(),
  });
}

function writeRanks(file, ranks, original) {
  let fd;
  try {
    fd = fs.openSync(file, 'w');
  } catch (err) {
    throw new WorkloadError(`cannot write ranks to ${file}: ${err.code ?? err.message}`);
  }
  let buf = '';
  for (let v = 0; v < ranks.length; v++) {
    buf += `${original(v)} ${ranks[v]}\n`;
    if (buf.length > 1 << 20) {
      fs.writeSync(fd, buf);
      buf = '';
    }
  }
  fs.writeSync(fd, buf);
  fs.closeSync(fd);
}

/** A generous estimate of the bytes a graph needs (edge arrays, CSR and its row padding, rank vectors). */
function estimateBytes(vertices, edges) {
  return 64 * 2 ** 20 + edges * 12 + vertices * 72;
}

function mib(bytes) {
  return Math.ceil(bytes / 2 ** 20);
}

main(process.argv.slice(2)).catch((err) => {
  if (err instanceof WorkloadError) {
    process.stderr.write(`pagerank: ${err.message}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`pagerank: internal error: ${err?.stack ?? err}\n`);
    process.exitCode = 1;
  }
});
