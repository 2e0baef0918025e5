// The points file: one point per line, coordinates comma-separated with 6 decimals,
// from a seeded Gaussian mixture, so every environment reads the same bytes.
import { WorkloadError } from '../lib/errors.mjs';
import { Prng } from '../lib/prng.mjs';
import { forEachLine, LineWriter, numberAt } from '../lib/textfile.mjs';

/** Standard normal deviates from the Box-Muller transform, deterministic from the generator. */
export function gaussian(prng) {
  const u = 1 - prng.nextFloat();
  const v = prng.nextFloat();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** The mixture's centres, the first draws of the seed's stream. */
export function mixtureCenters(prng, clusters, dimensions) {
  return Array.from({ length: clusters }, () => Array.from({ length: dimensions }, () => prng.nextFloat() * 20 - 10));
}

/** One point of the mixture as its line; `coords` is scratch of the points' dimension. */
export function pointLine(prng, centers, coords) {
  const c = centers[prng.nextBelow(centers.length)];
  for (let t = 0; t < coords.length; t++) coords[t] = (c[t] + gaussian(prng)).toFixed(6);
  return coords.join(',');
}

export function writePoints(file, { points, dimensions, clusters, seed }) {
  const prng = new Prng(seed);
  const centers = mixtureCenters(prng, clusters, dimensions);
  const out = new LineWriter(file);
  const coords = new Array(dimensions);
  for (let i = 0; i < points; i++) out.line(pointLine(prng, centers, coords));
  out.close();
}

/** Reads a points file into a shared float64 array; a bad line is a WorkloadError with its number. */
export function readPoints(file) {
  let d = null;
  let cap = 1 << 16;
  let data = new Float64Array(cap);
  let n = 0;
  forEachLine(file, (line, lineNo) => {
    if (line.length === 0) return;
    const fields = line.split(',');
    if (d === null) d = fields.length;
    else if (fields.length !== d)
      throw new WorkloadError(`${file}:${lineNo}: ${fields.length} coordinates, the first line has ${d}`);
    if ((n + 1) * d > cap) {
      cap *= 2;
      const grown = new Float64Array(cap);
      grown.set(data);
      data = grown;
    }
    for (let t = 0; t < d; t++) data[n * d + t] = numberAt(fields[t], file, lineNo, `coordinate ${t + 1}`);
    n++;
  });
  if (n === 0 || d === null) throw new WorkloadError(`${file}: no points`);
  const shared = new SharedArrayBuffer(n * d * 8);
  new Float64Array(shared).set(data.subarray(0, n * d));
  return { shared, n, d, summary: { points: n, dimensions: d } };
}
