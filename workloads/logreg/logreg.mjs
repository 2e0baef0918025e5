#!/usr/bin/env node
// Logistic regression workload for versus (HiBench's LR): sparse labelled rows through
// the disk, then full-batch gradient descent for a fixed number of steps.
// Plain JavaScript, no dependencies; stdout carries JSON lines only.
import { ChunkPool, chunkCount } from '../lib/chunks.mjs';
import { checksumOf, emit, emitResult, generateAndLoad, phase, runMain, start } from '../lib/runner.mjs';
import { readRows, writeRows } from './data.mjs';
import { step } from './kernel.mjs';

async function main(argv) {
  const { manifest, p, threads } = start(new URL('./workload.json', import.meta.url), argv);
  const ms = {};
  const rows = await generateAndLoad(ms, {
    p,
    name: 'logreg',
    ext: 'libsvm',
    write: writeRows,
    read: (file) => readRows(file, p.features),
  });
  const shared = { ...rows, features: p.features };
  const pool = await ChunkPool.create(
    new URL('./kernel.mjs', import.meta.url).href,
    threads,
    shared,
    chunkCount(rows.n),
  );
  let weights = new Float64Array(p.features);
  let last;
  try {
    ms.train = await phase('train', async () => {
      for (let it = 0; it < p.iterations; it++) {
        last = step(await pool.map({ weights }), weights, rows.n, p.step, p.l2);
        weights = last.weights;
        emit({ type: 'progress', done: it + 1, total: p.iterations });
      }
    });
    // loss and accuracy of the final weights: one more pass, no step
    const final = step(await pool.map({ weights }), weights, rows.n, 0, 0);
    last = { ...final, weights };
  } finally {
    await pool.close();
  }
  emitResult({
    name: manifest.name,
    checksum: checksumOf(weights),
    threads,
    ms,
    metrics: {
      samplesPerSecond: (rows.n * p.iterations) / (ms.train / 1000),
      msPerIteration: ms.train / p.iterations,
      loadSeconds: ms.load / 1000,
      loss: last.loss,
      accuracy: last.accuracy,
    },
    extra: {
      rows: rows.n,
      nonzeros: rows.nnz,
      weights: Array.from(weights.subarray(0, Math.min(weights.length, 1000))),
    },
  });
}

runMain('logreg', main);
