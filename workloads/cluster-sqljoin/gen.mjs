#!/usr/bin/env node
// The cluster SQL join's tables: workloads/sqljoin's rankings and uservisits rows (its
// CSV), cut into partitions by row, each partition's rows of both tables from a stream of
// its own (lib/partgen.mjs). `--part p` writes partition p's two files into the folder
// --out; `--all` every partition in order, the whole tables (the single-process workload's
// input-dir).
//   node gen.mjs --rankings R --uservisits V --source-ips S --seed X --partitions P (--part p | --all) --out DIR
import fs from 'node:fs';
import { isMain, parseGenArgs, partRange, partSeed, partsOf } from '../lib/partgen.mjs';
import { Prng } from '../lib/prng.mjs';
import { LineWriter } from '../lib/textfile.mjs';
import { rankingLine, visitLine } from '../sqljoin/tables.mjs';

/** Writes rankings.csv and uservisits.csv of the given partitions, in order, into `dir`. */
export function writeParts(dir, p, parts) {
  fs.mkdirSync(dir, { recursive: true });
  const rankings = new LineWriter(`${dir}/rankings.csv`);
  const visits = new LineWriter(`${dir}/uservisits.csv`);
  for (const part of parts) {
    const prng = new Prng(partSeed(p.seed, part));
    const [rlo, rhi] = partRange(p.rankings, p.partitions, part);
    for (let i = rlo; i < rhi; i++) rankings.line(rankingLine(i, prng));
    const [vlo, vhi] = partRange(p.uservisits, p.partitions, part);
    for (let i = vlo; i < vhi; i++) visits.line(visitLine(p, prng));
  }
  rankings.close();
  visits.close();
}

if (isMain(import.meta.url)) {
  const o = parseGenArgs(process.argv.slice(2));
  writeParts(o.out, o, partsOf(o));
}
