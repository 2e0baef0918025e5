// Deterministic graph generators. Each calls emit(src, dst) once per edge, in a
// fixed order, so the edge list depends only on the parameters and the seed.
import { Prng, permutation } from '../../lib/prng.mjs';

// Graph500 R-MAT quadrant probabilities (D = 1 - A - B - C = 0.05).
export const RMAT = Object.freeze({ A: 0.57, B: 0.19, C: 0.19 });

/**
 * R-MAT / Kronecker generator with the Graph500 parameters, directed, vertex ids
 * permuted so that degree does not correlate with id.
 * @returns {{vertices: number, edges: number}}
 */
export function generateRmat({ scale, edgeFactor, seed }, emit) {
  const n = 2 ** scale;
  const m = edgeFactor * n;
  const prng = new Prng(seed);
  const perm = permutation(n, prng);
  // Compare raw 32-bit draws with scaled thresholds: no float per level.
  const tA = Math.floor(RMAT.A * 4294967296);
  const tAB = Math.floor((RMAT.A + RMAT.B) * 4294967296);
  const tABC = Math.floor((RMAT.A + RMAT.B + RMAT.C) * 4294967296);
  for (let e = 0; e < m; e++) {
    let src = 0;
    let dst = 0;
    for (let level = 0; level < scale; level++) {
      const r = prng.nextU32();
      src <<= 1;
      dst <<= 1;
      if (r < tA) {
        // top-left quadrant: both bits 0
      } else if (r < tAB) {
        dst |= 1;
      } else if (r < tABC) {
        src |= 1;
      } else {
        src |= 1;
        dst |= 1;
      }
    }
    emit(perm[src >>> 0], perm[dst >>> 0]);
  }
  return { vertices: n, edges: m };
}

/**
 * HiBench-like web graph: every page gets a uniform number of out-links in
 * [0, 2*avgLinks] (so some pages are dangling), each pointing at a page drawn
 * from a Zipf distribution over a random popularity order.
 * @returns {{vertices: number, edges: number}}
 */
export function generatePages({ pages, avgLinks, zipf, seed }, emit) {
  const prng = new Prng(seed);
  const shared = pagesShared(pages, zipf, prng);
  let edges = 0;
  for (let page = 0; page < pages; page++) edges += pageLinks(prng, page, avgLinks, shared, emit);
  return { vertices: pages, edges };
}

/** What every page's links draw from: a popularity order (drawn from `prng`) and the Zipf weights. */
export function pagesShared(pages, zipf, prng) {
  const popularity = permutation(pages, prng);
  const cdf = zipfCdf(pages, zipf);
  return { popularity, cdf, total: cdf[pages - 1] };
}

/** Emits one page's out-links: a uniform count in [0, 2*avgLinks], Zipf-popular targets. Their number. */
export function pageLinks(prng, page, avgLinks, { popularity, cdf, total }, emit) {
  const links = prng.nextBelow(2 * avgLinks + 1);
  for (let k = 0; k < links; k++) emit(page, popularity[upperBound(cdf, prng.nextFloat() * total)]);
  return links;
}

/** Cumulative Zipf weights 1/(i+1)^s; s = 1 uses division only (exact everywhere). */
export function zipfCdf(n, s) {
  const cdf = new Float64Array(n);
  let acc = 0;
  for (let i = 0; i < n; i++) {
    acc += s === 1 ? 1 / (i + 1) : s === 0 ? 1 : (i + 1) ** -s;
    cdf[i] = acc;
  }
  return cdf;
}

/** First index whose cumulative weight exceeds x (the partitioned generator of cluster-pagerank uses it too). */
export function upperBound(cdf, x) {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cdf[mid] > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
