// Logistic regression, one chunk of rows: the chunk's part of the gradient of the
// summed log-loss, its loss and its correct predictions. Rows are CSR: offsets into
// (index, value) pairs.
import { CHUNK_ROWS } from '../lib/chunks.mjs';

export const sigmoid = (z) => 1 / (1 + Math.exp(-z));

/** shared: { offsets, indices, values, labels (SharedArrayBuffers), n, features }; task: { weights } */
export function chunk(shared, task, c) {
  const offsets = new Uint32Array(shared.offsets);
  const indices = new Uint32Array(shared.indices);
  const values = new Float64Array(shared.values);
  const labels = new Uint8Array(shared.labels);
  const w = task.weights;
  const grad = new Float64Array(shared.features);
  let loss = 0;
  let correct = 0;
  const end = Math.min(shared.n, (c + 1) * CHUNK_ROWS);
  for (let i = c * CHUNK_ROWS; i < end; i++) {
    let z = 0;
    for (let e = offsets[i]; e < offsets[i + 1]; e++) z += w[indices[e]] * values[e];
    const p = sigmoid(z);
    const y = labels[i];
    // log-loss through log1p(exp(-|z|)) so a confident mistake does not overflow
    loss += Math.log1p(Math.exp(-Math.abs(z))) + Math.max(0, y ? -z : z);
    if ((p >= 0.5 ? 1 : 0) === y) correct++;
    const r = p - y;
    for (let e = offsets[i]; e < offsets[i + 1]; e++) grad[indices[e]] += r * values[e];
  }
  return { grad, loss, correct };
}

/** One gradient step from the chunks' partials, combined in chunk order. */
export function step(partials, weights, n, rate, l2) {
  const grad = new Float64Array(weights.length);
  let loss = 0;
  let correct = 0;
  for (const part of partials) {
    for (let j = 0; j < grad.length; j++) grad[j] += part.grad[j];
    loss += part.loss;
    correct += part.correct;
  }
  const next = new Float64Array(weights.length);
  for (let j = 0; j < next.length; j++) next[j] = weights[j] - rate * (grad[j] / n + l2 * weights[j]);
  return { weights: next, loss: loss / n, accuracy: correct / n };
}
