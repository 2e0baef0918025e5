#!/usr/bin/env node
// The cluster PageRank's data: the pages graph of workloads/pagerank (uniform out-link
// counts, Zipf-popular targets) cut into partitions by source page, each partition from a
// PRNG stream of its own, so a worker writes its partition without the others'. One shared
// popularity order for all. `--part p` writes partition p as little-endian int32 pairs
// (src, dst); `--all` writes every partition in order as a SNAP edge list that the
// single-process pagerank workload reads (graph=file): the same data for both.
//   node gen.mjs --pages N --avg-links L --zipf S --seed X --partitions P (--part p | --all) --out FILE
import fs from 'node:fs';
import { isMain, parseGenArgs, partRange, partSeed, partsOf } from '../lib/partgen.mjs';
import { Prng, permutation } from '../lib/prng.mjs';
import { EdgeListWriter } from '../pagerank/lib/edgelist.mjs';
import { upperBound, zipfCdf } from '../pagerank/lib/generators.mjs';

/** Calls emit(src, dst) for every edge of one partition, in a fixed order. */
export function generatePart({ pages, avgLinks, seed, partitions, part }, shared, emit) {
  const prng = new Prng(partSeed(seed, part));
  const [lo, hi] = partRange(pages, partitions, part);
  let edges = 0;
  for (let page = lo; page < hi; page++) {
    const links = prng.nextBelow(2 * avgLinks + 1);
    for (let k = 0; k < links; k++) {
      emit(page, shared.popularity[upperBound(shared.cdf, prng.nextFloat() * shared.total)]);
      edges++;
    }
  }
  return edges;
}

/** What every partition shares: the popularity order and the Zipf weights. */
export function sharedOf({ pages, zipf, seed }) {
  const cdf = zipfCdf(pages, zipf);
  return { popularity: permutation(pages, new Prng(seed)), cdf, total: cdf[pages - 1] };
}

function main() {
  const o = parseGenArgs(process.argv.slice(2));
  const a = { ...o, avgLinks: o['avg-links'] };
  const shared = sharedOf(a);
  if (a.all) {
    const w = new EdgeListWriter(a.out, {
      vertices: a.pages,
      edges: a.pages * a.avgLinks,
      description: `versus cluster-pagerank pages graph, seed ${a.seed}, ${a.partitions} partitions`,
    });
    for (const part of partsOf(a)) generatePart({ ...a, part }, shared, (s, d) => w.add(s, d));
    w.close();
    return;
  }
  const pairs = [];
  const edges = generatePart(a, shared, (s, d) => pairs.push(s, d));
  const buf = Buffer.from(Int32Array.from(pairs).buffer);
  const fd = fs.openSync(a.out, 'w');
  fs.writeSync(fd, buf);
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  process.stdout.write(`${JSON.stringify({ edges, bytes: buf.length })}\n`);
}

if (isMain(import.meta.url)) main();
