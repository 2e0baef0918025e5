// Compressed sparse rows of in-edges, in shared memory so worker threads can read
// them. Rows are sorted, duplicate edges collapse to one, self-loops stay, and every
// row is padded to a multiple of ROW_PAD entries with the dummy vertex n, whose
// contribution is always 0: the kernel then reads a row in whole steps of four, with
// one loop exit per row instead of three (an unpredictable branch each) and no tail.

export const ROW_PAD = 4;

function shared(Type, length) {
  return new Type(new SharedArrayBuffer(Math.max(1, length) * Type.BYTES_PER_ELEMENT));
}

/**
 * @param {Uint32Array} src
 * @param {Uint32Array} dst
 * @param {number} n vertex count
 * @returns {{rowptr: Int32Array | Float64Array, col: Int32Array, outdeg: Int32Array, edges: number}}
 *   col holds the rows with their padding (vertex n); edges counts the unique edges only
 */
export function buildInCsr(src, dst, n) {
  const m = src.length;
  // The rows are first laid out `slack` entries in, so compacting and padding them in
  // place (at most ROW_PAD - 1 extra entries a row) never overtakes the entries still to read.
  const slack = (ROW_PAD - 1) * n;
  // Int32 indices keep V8 on its fastest integer paths; beyond 2^31 entries, Float64 (exact to 2^53).
  const rowptr = shared(m + slack < 2 ** 31 ? Int32Array : Float64Array, n + 1);
  for (let i = 0; i < m; i++) rowptr[dst[i] + 1]++;
  for (let v = 0; v < n; v++) rowptr[v + 1] += rowptr[v];
  const col = shared(Int32Array, m + slack);
  const cursor = rowptr.slice(0, n);
  for (let i = 0; i < m; i++) col[slack + cursor[dst[i]]++] = src[i];

  const outdeg = shared(Int32Array, n);
  let write = 0;
  let rowStart = slack;
  for (let v = 0; v < n; v++) {
    const rowEnd = slack + rowptr[v + 1];
    if (rowEnd - rowStart > 1) col.subarray(rowStart, rowEnd).sort();
    rowptr[v] = write;
    let prev = -1;
    for (let e = rowStart; e < rowEnd; e++) {
      const u = col[e];
      if (u !== prev) {
        col[write++] = u;
        outdeg[u]++;
        prev = u;
      }
    }
    while ((write - rowptr[v]) % ROW_PAD !== 0) col[write++] = n;
    rowStart = rowEnd;
  }
  rowptr[n] = write;
  let edges = 0;
  for (let v = 0; v < n; v++) edges += outdeg[v];
  return { rowptr, col, outdeg, edges };
}
