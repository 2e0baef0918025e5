#!/usr/bin/env node
import { isMain, parseGenArgs, partRange, partSeed, partsOf } from '../lib/partgen.mjs';
// The cluster logistic regression's rows: workloads/logreg's LIBSVM rows from a seeded
// logistic model, the true weights from the seed's own stream, each partition's rows from a
// stream of its own (lib/partgen.mjs).
//   node gen.mjs --samples N --features F --nonzeros Z --seed X --partitions P (--part p | --all) --out FILE
import { Prng } from '../lib/prng.mjs';
import { LineWriter } from '../lib/textfile.mjs';
import { sigmoid } from '../logreg/kernel.mjs';

/** Writes the rows of the given partitions, in order, to one file. */
export function writeParts(file, { samples, features, nonzeros, seed, partitions }, parts) {
  const shared = new Prng(seed);
  const truth = Float64Array.from({ length: features }, () => (shared.nextFloat() * 2 - 1) * 2);
  const out = new LineWriter(file);
  const nz = Math.min(nonzeros, features);
  for (const part of parts) {
    const prng = new Prng(partSeed(seed, part));
    const [lo, hi] = partRange(samples, partitions, part);
    for (let i = lo; i < hi; i++) {
      const picked = new Set();
      while (picked.size < nz) picked.add(prng.nextBelow(features));
      const idx = [...picked].sort((a, b) => a - b);
      let z = 0;
      const fields = [];
      for (const j of idx) {
        const v = (prng.nextBelow(10000) + 1) / 10000;
        z += truth[j] * v;
        fields.push(`${j + 1}:${v}`);
      }
      out.line(`${prng.nextFloat() < sigmoid(z) ? 1 : 0} ${fields.join(' ')}`);
    }
  }
  out.close();
}

if (isMain(import.meta.url)) {
  const o = parseGenArgs(process.argv.slice(2));
  writeParts(o.out, o, partsOf(o));
}
