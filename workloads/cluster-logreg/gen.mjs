#!/usr/bin/env node
// The cluster logistic regression's rows: workloads/logreg's LIBSVM rows from a seeded
// logistic model, the true weights from the seed's own stream, each partition's rows from a
// stream of its own (lib/partgen.mjs).
//   node gen.mjs --samples N --features F --nonzeros Z --seed X --partitions P (--part p | --all) --out FILE
import { isMain, parseGenArgs, partRange, partSeed, partsOf } from '../lib/partgen.mjs';
import { Prng } from '../lib/prng.mjs';
import { LineWriter } from '../lib/textfile.mjs';
import { rowLine, trueWeights } from '../logreg/data.mjs';

/** Writes the rows of the given partitions, in order, to one file. */
export function writeParts(file, { samples, features, nonzeros, seed, partitions }, parts) {
  const truth = trueWeights(new Prng(seed), features);
  const out = new LineWriter(file);
  const nz = Math.min(nonzeros, features);
  for (const part of parts) {
    const prng = new Prng(partSeed(seed, part));
    const [lo, hi] = partRange(samples, partitions, part);
    for (let i = lo; i < hi; i++) out.line(rowLine(prng, truth, nz));
  }
  out.close();
}

if (isMain(import.meta.url)) {
  const o = parseGenArgs(process.argv.slice(2));
  writeParts(o.out, o, partsOf(o));
}
