#!/usr/bin/env node
// The cluster k-means's points: workloads/kmeans's Gaussian mixture and its text format
// (comma-separated, 6 decimals), the centres from the seed's own stream, each partition's
// points from a stream of its own (lib/partgen.mjs).
//   node gen.mjs --points N --dimensions D --clusters C --seed X --partitions P (--part p | --all) --out FILE
import { gaussian } from '../kmeans/data.mjs';
import { isMain, parseGenArgs, partRange, partSeed, partsOf } from '../lib/partgen.mjs';
import { Prng } from '../lib/prng.mjs';
import { LineWriter } from '../lib/textfile.mjs';

/** Writes the points of the given partitions, in order, to one file. */
export function writeParts(file, { points, dimensions, clusters, seed, partitions }, parts) {
  const shared = new Prng(seed);
  const centers = Array.from({ length: clusters }, () =>
    Array.from({ length: dimensions }, () => shared.nextFloat() * 20 - 10),
  );
  const out = new LineWriter(file);
  const coords = new Array(dimensions);
  for (const part of parts) {
    const prng = new Prng(partSeed(seed, part));
    const [lo, hi] = partRange(points, partitions, part);
    for (let i = lo; i < hi; i++) {
      const c = centers[prng.nextBelow(clusters)];
      for (let t = 0; t < dimensions; t++) coords[t] = (c[t] + gaussian(prng)).toFixed(6);
      out.line(coords.join(','));
    }
  }
  out.close();
}

if (isMain(import.meta.url)) {
  const o = parseGenArgs(process.argv.slice(2));
  writeParts(o.out, o, partsOf(o));
}
