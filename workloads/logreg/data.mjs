// The rows file in LIBSVM text format ("label index:value …", indices from 1,
// increasing), labels drawn from a seeded logistic model.
import { WorkloadError } from '../lib/errors.mjs';
import { Prng } from '../lib/prng.mjs';
import { forEachLine, LineWriter, numberAt } from '../lib/textfile.mjs';
import { sigmoid } from './kernel.mjs';

/** The logistic model's true weights, the first draws of the seed's stream. */
export function trueWeights(prng, features) {
  return Float64Array.from({ length: features }, () => (prng.nextFloat() * 2 - 1) * 2);
}

/** One row of the model as its LIBSVM line: `nz` distinct features, the label drawn last. */
export function rowLine(prng, truth, nz) {
  const features = truth.length;
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
  return `${prng.nextFloat() < sigmoid(z) ? 1 : 0} ${fields.join(' ')}`;
}

export function writeRows(file, { samples, features, nonzeros, seed }) {
  const prng = new Prng(seed);
  const truth = trueWeights(prng, features);
  const out = new LineWriter(file);
  const nz = Math.min(nonzeros, features);
  for (let i = 0; i < samples; i++) out.line(rowLine(prng, truth, nz));
  out.close();
}

/** Reads a LIBSVM file into shared CSR arrays; a bad line is a WorkloadError with its number. */
export function readRows(file, features) {
  const offsets = [0];
  let indices = new Uint32Array(1 << 16);
  let values = new Float64Array(1 << 16);
  const labels = [];
  let nnz = 0;
  forEachLine(file, (line, lineNo) => {
    if (line.length === 0) return;
    const fields = line.trim().split(/\s+/);
    const label = fields[0];
    if (label !== '0' && label !== '1')
      throw new WorkloadError(`${file}:${lineNo}: label ${JSON.stringify(label)} is not 0 or 1`);
    labels.push(label === '1' ? 1 : 0);
    let prev = 0;
    for (let f = 1; f < fields.length; f++) {
      const colon = fields[f].indexOf(':');
      if (colon <= 0) throw new WorkloadError(`${file}:${lineNo}: ${JSON.stringify(fields[f])} is not index:value`);
      const index = numberAt(fields[f].slice(0, colon), file, lineNo, 'index');
      if (!Number.isInteger(index) || index <= prev || index > features)
        throw new WorkloadError(
          `${file}:${lineNo}: index ${index} must be an integer from ${prev + 1} to ${features}, increasing`,
        );
      prev = index;
      if (nnz === indices.length) {
        const gi = new Uint32Array(nnz * 2);
        gi.set(indices);
        indices = gi;
        const gv = new Float64Array(nnz * 2);
        gv.set(values);
        values = gv;
      }
      indices[nnz] = index - 1;
      values[nnz] = numberAt(fields[f].slice(colon + 1), file, lineNo, 'value');
      nnz++;
    }
    offsets.push(nnz);
  });
  if (labels.length === 0) throw new WorkloadError(`${file}: no rows`);
  const share = (Type, src) => {
    const buf = new SharedArrayBuffer(src.length * Type.BYTES_PER_ELEMENT);
    new Type(buf).set(src);
    return buf;
  };
  return {
    n: labels.length,
    nnz,
    summary: { rows: labels.length, nonzeros: nnz },
    offsets: share(Uint32Array, offsets),
    indices: share(Uint32Array, indices.subarray(0, nnz)),
    values: share(Float64Array, values.subarray(0, nnz)),
    labels: share(Uint8Array, labels),
  };
}
