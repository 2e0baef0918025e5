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
import { Prng } from '../lib/prng.mjs';
import { EdgeListWriter } from '../pagerank/lib/edgelist.mjs';
import { pageLinks, pagesShared } from '../pagerank/lib/generators.mjs';

/** Calls emit(src, dst) for every edge of one partition, in a fixed order. */
export function generatePart({ pages, avgLinks, seed, partitions, part }, shared, emit) {
  const prng = new Prng(partSeed(seed, part));
  const [lo, hi] = partRange(pages, partitions, part);
  let edges = 0;
  for (let page = lo; page < hi; page++) edges += pageLinks(prng, page, avgLinks, shared, emit);
  return edges;
}

/** What every partition shares: the popularity order (from the seed's own stream) and the Zipf weights. */
export function sharedOf({ pages, zipf, seed }) {
  return pagesShared(pages, zipf, new Prng(seed));
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
