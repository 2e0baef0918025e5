#!/usr/bin/env node
// The cluster k-means's points: workloads/kmeans's Gaussian mixture and its text format
// (comma-separated, 6 decimals), the centres from the seed's own stream, each partition's
// points from a stream of its own (lib/partgen.mjs).
//   node gen.mjs --points N --dimensions D --clusters C --seed X --partitions P (--part p | --all) --out FILE
import { mixtureCenters, pointLine } from '../kmeans/data.mjs';
import { isMain, parseGenArgs, partRange, partSeed, partsOf } from '../lib/partgen.mjs';
import { Prng } from '../lib/prng.mjs';
import { LineWriter } from '../lib/textfile.mjs';

/** Writes the points of the given partitions, in order, to one file. */
export function writeParts(file, { points, dimensions, clusters, seed, partitions }, parts) {
  const centers = mixtureCenters(new Prng(seed), clusters, dimensions);
  const out = new LineWriter(file);
  const coords = new Array(dimensions);
  for (const part of parts) {
    const prng = new Prng(partSeed(seed, part));
    const [lo, hi] = partRange(points, partitions, part);
    for (let i = lo; i < hi; i++) out.line(pointLine(prng, centers, coords));
  }
  out.close();
}

if (isMain(import.meta.url)) {
  const o = parseGenArgs(process.argv.slice(2));
  writeParts(o.out, o, partsOf(o));
}
