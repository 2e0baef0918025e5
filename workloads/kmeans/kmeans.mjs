#!/usr/bin/env node
// K-means workload for versus (HiBench's K-means, Lloyd's algorithm): generate a
// Gaussian mixture into a file, read it back, run a fixed number of iterations.
// Plain JavaScript, no dependencies; stdout carries JSON lines only.
import { ChunkPool, chunkCount } from '../lib/chunks.mjs';
import { WorkloadError } from '../lib/errors.mjs';
import { checksumOf, emit, emitResult, generateAndLoad, phase, runMain, start } from '../lib/runner.mjs';
import { readPoints, writePoints } from './data.mjs';
import { combine, initialCentroids } from './kernel.mjs';

async function main(argv) {
  const { manifest, p, threads } = start(new URL('./workload.json', import.meta.url), argv);
  const ms = {};
  const data = await generateAndLoad(ms, { p, name: 'kmeans', ext: 'csv', write: writePoints, read: readPoints });
  const { n, d } = data;
  if (p.k > n) throw new WorkloadError(`k = ${p.k} is more than the ${n} points`);
  const chunks = chunkCount(n);
  const pool = await ChunkPool.create(
    new URL('./kernel.mjs', import.meta.url).href,
    threads,
    { points: data.shared, n, d, k: p.k },
    chunks,
  );
  let centroids = initialCentroids(new Float64Array(data.shared), n, d, p.k);
  let last;
  try {
    ms.iterate = await phase('iterate', async () => {
      for (let it = 0; it < p.iterations; it++) {
        last = combine(await pool.map({ centroids }), centroids, d, p.k);
        centroids = last.centroids;
        emit({ type: 'progress', done: it + 1, total: p.iterations });
      }
    });
  } finally {
    await pool.close();
  }
  emitResult({
    name: manifest.name,
    checksum: checksumOf(centroids, last.counts),
    threads,
    ms,
    metrics: {
      pointsPerSecond: (n * p.iterations) / (ms.iterate / 1000),
      msPerIteration: ms.iterate / p.iterations,
      loadSeconds: ms.load / 1000,
      sse: last.sse,
    },
    extra: {
      points: n,
      dimensions: d,
      counts: Array.from(last.counts),
      centroids: Array.from(centroids.subarray(0, Math.min(centroids.length, 1000))),
    },
  });
}

runMain('kmeans', main);
