// Lloyd's k-means, one chunk of rows: nearest centroid per point (ties: the lower
// index), then the chunk's coordinate sums, counts and squared distances.
import { CHUNK_ROWS } from '../lib/chunks.mjs';

/** shared: { points: SharedArrayBuffer (n*d float64), n, d, k }; task: { centroids: Float64Array } */
export function chunk(shared, task, c) {
  const { n, d, k } = shared;
  const points = new Float64Array(shared.points);
  const centroids = task.centroids;
  const sums = new Float64Array(k * d);
  const counts = new Float64Array(k);
  let sse = 0;
  const end = Math.min(n, (c + 1) * CHUNK_ROWS);
  for (let i = c * CHUNK_ROWS; i < end; i++) {
    const p = i * d;
    let best = 0;
    let bestDist = Number.POSITIVE_INFINITY;
    for (let j = 0; j < k; j++) {
      const q = j * d;
      let dist = 0;
      for (let t = 0; t < d; t++) {
        const diff = points[p + t] - centroids[q + t];
        dist += diff * diff;
      }
      if (dist < bestDist) {
        bestDist = dist;
        best = j;
      }
    }
    counts[best] += 1;
    sse += bestDist;
    const q = best * d;
    for (let t = 0; t < d; t++) sums[q + t] += points[p + t];
  }
  return { sums, counts, sse };
}

/** Initial centroids: the points at evenly spaced rows, floor(j*n/k). */
export function initialCentroids(points, n, d, k) {
  const c = new Float64Array(k * d);
  for (let j = 0; j < k; j++) {
    const row = Math.floor((j * n) / k);
    for (let t = 0; t < d; t++) c[j * d + t] = points[row * d + t];
  }
  return c;
}

/** Combines the chunks' partials in chunk order into the next centroids; an empty cluster keeps its centroid. */
export function combine(partials, previous, d, k) {
  const sums = new Float64Array(k * d);
  const counts = new Float64Array(k);
  let sse = 0;
  for (const part of partials) {
    for (let x = 0; x < sums.length; x++) sums[x] += part.sums[x];
    for (let j = 0; j < k; j++) counts[j] += part.counts[j];
    sse += part.sse;
  }
  const next = new Float64Array(previous);
  for (let j = 0; j < k; j++) {
    if (counts[j] === 0) continue;
    for (let t = 0; t < d; t++) next[j * d + t] = sums[j * d + t] / counts[j];
  }
  return { centroids: next, counts, sse };
}
