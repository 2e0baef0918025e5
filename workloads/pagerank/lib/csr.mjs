// Compressed sparse rows of in-edges, in shared memory so worker threads can read
// them. Rows are sorted, duplicate edges collapse to one, self-loops stay.

function shared(Type, length) {
  return new Type(new SharedArrayBuffer(Math.max(1, length) * Type.BYTES_PER_ELEMENT));
}

/**
 * @param {Uint32Array} src
 * @param {Uint32Array} dst
 * @param {number} n vertex count
 * @returns {{rowptr: Int32Array | Float64Array, col: Int32Array, outdeg: Int32Array, edges: number}}
 */
export function buildInCsr(src, dst, n) {
  const m = src.length;
  // Int32 indices keep V8 on its fastest integer paths; beyond 2^31 edges, Float64 (exact to 2^53).
  const rowptr = shared(m < 2 ** 31 ? Int32Array : Float64Array, n + 1);
  for (let i = 0; i < m; i++) rowptr[dst[i] + 1]++;
  for (let v = 0; v < n; v++) rowptr[v + 1] += rowptr[v];
  const col = shared(Int32Array, m);
  const cursor = rowptr.slice(0, n);
  for (let i = 0; i < m; i++) col[cursor[dst[i]]++] = src[i];

  // Sort each row, then compact away duplicates in place.
  let write = 0;
  let rowStart = 0;
  for (let v = 0; v < n; v++) {
    const rowEnd = rowptr[v + 1];
    if (rowEnd - rowStart > 1) col.subarray(rowStart, rowEnd).sort();
    rowptr[v] = write;
    let prev = -1;
    for (let e = rowStart; e < rowEnd; e++) {
      const u = col[e];
      if (u !== prev) {
        col[write++] = u;
        prev = u;
      }
    }
    rowStart = rowEnd;
  }
  rowptr[n] = write;

  const outdeg = shared(Int32Array, n);
  for (let e = 0; e < write; e++) outdeg[col[e]]++;
  return { rowptr, col, outdeg, edges: write };
}
