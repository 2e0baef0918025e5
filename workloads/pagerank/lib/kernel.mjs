// The PageRank kernels, shared by the main thread and the worker threads.
// Vertices are cut into fixed blocks; every per-block partial sum lands in its own
// slot and the slots are added in block order, so the result is bit-identical
// whatever the number of threads or the order in which blocks were taken.

export const BLOCK = 1024;
export const CTRL = Object.freeze({ GEN: 0, DONE: 1, NEXT: 2, OP: 3 });
export const OP = Object.freeze({ INIT: 1, ITERATE: 2, EXIT: 3 });
export const PARAM = Object.freeze({ PARITY: 0, BASE: 1, DAMPING: 2 });

/**
 * Loads of a control word before sleeping on it: an iteration's hand-over between
 * threads is a few microseconds apart, and a futex sleep costs a wake-up (an
 * inter-processor interrupt, dear inside a VM) on both sides of every iteration. About
 * 20-50 µs of spinning, then Atomics.wait, as OpenMP's runtimes spin before they block.
 */
const SPINS = 20_000;

/** Returns once ctrl[i] is no longer `seen`: spinning a moment, then asleep. */
export function awaitChange(ctrl, i, seen) {
  for (let k = 0; k < SPINS; k++) if (Atomics.load(ctrl, i) !== seen) return;
  Atomics.wait(ctrl, i, seen);
}

/** Takes blocks from the shared counter until none is left. */
export function runOp(state, ctrl, params) {
  const op = Atomics.load(ctrl, CTRL.OP);
  const blocks = state.blocks;
  for (;;) {
    const b = Atomics.add(ctrl, CTRL.NEXT, 1);
    if (b >= blocks) return;
    if (op === OP.INIT) initBlock(state, b);
    else iterateBlock(state, b, params[PARAM.PARITY], params[PARAM.BASE], params[PARAM.DAMPING]);
  }
}

/** contrib = rank / outdeg for the ranks in buffer 0; dangling mass per block. */
export function initBlock(s, b) {
  const { outdeg, dangPart } = s;
  const rank = s.rank[0];
  const contrib = s.contrib[0];
  const end = Math.min(s.n, (b + 1) * BLOCK);
  let dangling = 0;
  for (let v = b * BLOCK; v < end; v++) {
    const d = outdeg[v];
    if (d === 0) {
      dangling += rank[v];
      contrib[v] = 0;
    } else {
      contrib[v] = rank[v] / d;
    }
  }
  dangPart[b] = dangling;
}

/** One pull step for a block: new ranks, their L1 change, next contributions. */
export function iterateBlock(s, b, parity, base, damping) {
  const { rowptr, col, outdeg, dangPart, deltaPart } = s;
  const contrib = s.contrib[parity];
  const nextContrib = s.contrib[parity ^ 1];
  const oldRank = s.rank[parity];
  const newRank = s.rank[parity ^ 1];
  const end = Math.min(s.n, (b + 1) * BLOCK);
  let delta = 0;
  let dangling = 0;
  for (let v = b * BLOCK; v < end; v++) {
    // Four independent sums, so the adds overlap instead of waiting on one chain: the
    // entry at row position j goes to sum j mod 4, a fixed order, so every thread count
    // gives the same bits. Rows are padded to whole steps (see csr.mjs): no tail loop.
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    const rowEnd = rowptr[v + 1];
    for (let e = rowptr[v]; e < rowEnd; e += 4) {
      s0 += contrib[col[e]];
      s1 += contrib[col[e + 1]];
      s2 += contrib[col[e + 2]];
      s3 += contrib[col[e + 3]];
    }
    const r = base + damping * (s0 + s1 + (s2 + s3));
    delta += Math.abs(r - oldRank[v]);
    newRank[v] = r;
    const d = outdeg[v];
    if (d === 0) {
      dangling += r;
      nextContrib[v] = 0;
    } else {
      nextContrib[v] = r / d;
    }
  }
  deltaPart[b] = delta;
  dangPart[b] = dangling;
}

export function sumInOrder(parts) {
  let total = 0;
  for (let i = 0; i < parts.length; i++) total += parts[i];
  return total;
}
