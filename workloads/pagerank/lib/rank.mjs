// Pull PageRank over an in-edge CSR, on the main thread plus (threads - 1) workers.

import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { awaitChange, BLOCK, CTRL, OP, PARAM, runOp, sumInOrder } from './kernel.mjs';

function shared(Type, length) {
  return new Type(new SharedArrayBuffer(Math.max(1, length) * Type.BYTES_PER_ELEMENT));
}

/**
 * @param {{rowptr: Int32Array | Float64Array, col: Int32Array, outdeg: Int32Array}} graph
 * @param {{n: number, damping: number, iterations: number, tolerance: number, threads: number,
 *          onIteration?: (it: {index: number, delta: number, ms: number}) => void}} options
 * @returns {Promise<{ranks: Float64Array, iterations: number, converged: boolean, delta: number}>}
 */
export async function pagerank(graph, { n, damping, iterations, tolerance, threads, onIteration }) {
  const blocks = Math.ceil(n / BLOCK);
  const state = {
    n,
    blocks,
    rowptr: graph.rowptr,
    col: graph.col,
    outdeg: graph.outdeg,
    rank: [shared(Float64Array, n), shared(Float64Array, n)],
    // n + 1: the padding vertex n of every row (csr.mjs) contributes contrib[n] = 0
    contrib: [shared(Float64Array, n + 1), shared(Float64Array, n + 1)],
    dangPart: shared(Float64Array, blocks),
    deltaPart: shared(Float64Array, blocks),
  };
  state.rank[0].fill(1 / n);
  const ctrl = shared(Int32Array, 4);
  const params = shared(Float64Array, 3);
  const helpers = Math.max(0, Math.min(threads, blocks) - 1);
  const workers = [];
  for (let i = 0; i < helpers; i++) {
    workers.push(new Worker(new URL('./rank-worker.mjs', import.meta.url), { workerData: { state, ctrl, params } }));
  }
  const exited = workers.map(
    (w) =>
      new Promise((resolve, reject) => {
        w.once('error', reject);
        w.once('exit', resolve);
      }),
  );

  const run = (op) => {
    Atomics.store(ctrl, CTRL.OP, op);
    Atomics.store(ctrl, CTRL.NEXT, 0);
    Atomics.store(ctrl, CTRL.DONE, 0);
    Atomics.add(ctrl, CTRL.GEN, 1);
    Atomics.notify(ctrl, CTRL.GEN);
    if (op === OP.EXIT) return;
    runOp(state, ctrl, params);
    for (;;) {
      const done = Atomics.load(ctrl, CTRL.DONE);
      if (done >= helpers) break;
      awaitChange(ctrl, CTRL.DONE, done);
    }
  };

  try {
    params[PARAM.DAMPING] = damping;
    run(OP.INIT);
    let dangling = sumInOrder(state.dangPart);
    let parity = 0;
    let done = 0;
    let delta = Number.POSITIVE_INFINITY;
    let converged = false;
    while (done < iterations) {
      const t0 = performance.now();
      params[PARAM.PARITY] = parity;
      params[PARAM.BASE] = (1 - damping) / n + (damping * dangling) / n;
      run(OP.ITERATE);
      delta = sumInOrder(state.deltaPart);
      dangling = sumInOrder(state.dangPart);
      parity ^= 1;
      done++;
      onIteration?.({ index: done, delta, ms: performance.now() - t0 });
      if (delta < tolerance) {
        converged = true;
        break;
      }
    }
    return { ranks: state.rank[parity], iterations: done, converged, delta };
  } finally {
    run(OP.EXIT);
    await Promise.all(exited);
  }
}

/** 64-bit FNV-1a of the ranks' IEEE-754 bytes, as 16 hex digits. */
export function checksum(ranks) {
  const bytes = new Uint8Array(ranks.buffer, ranks.byteOffset, ranks.byteLength);
  // Two 32-bit FNV-1a lanes with different offsets: cheap, and 64 bits of evidence.
  let h1 = 0x811c9dc5;
  let h2 = 0x050c5d1f;
  for (let i = 0; i < bytes.length; i++) {
    h1 = Math.imul(h1 ^ bytes[i], 0x01000193);
    h2 = Math.imul(h2 ^ bytes[i] ^ (i & 0xff), 0x01000193);
  }
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}

/** The k highest-ranked vertices, ties broken by the lower vertex index. */
export function topK(ranks, k) {
  const top = [];
  for (let v = 0; v < ranks.length; v++) {
    const r = ranks[v];
    if (top.length === k && r <= top[k - 1].rank) continue;
    let i = top.length;
    while (i > 0 && top[i - 1].rank < r) i--;
    top.splice(i, 0, { vertex: v, rank: r });
    if (top.length > k) top.pop();
  }
  return top;
}
