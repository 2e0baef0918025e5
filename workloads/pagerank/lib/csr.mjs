// Compressed sparse rows of in-edges, in shared memory so worker threads can read
// them. Rows are sorted, duplicate edges collapse to one, self-loops stay.

function shared(Type, length) {
  return new Type(new SharedArrayBuffer(Math.max(1, length) * Type.BYTES_PER_ELEMENT));
}

/**
 * @param {Uint32Array} src
 * @param {Uint32Array} dst
 * @param {number} n vertex count
 * @returns {{rowptr: Float64Array, col: Uint32Array, outdeg: Uint32Array, edges: number}}
 */
export function buildInCsr(src, dst, n) {
  const m = src.length;
  // Float64 row pointers: exact up to 2^53 edges, and as fast as Uint32 to read.
  const rowptr = shared(Float64Array, n + 1);
  for (let i = 0; i < m; i++) rowptr[dst[i] + 1]++;
  for (let v = 0; v < n; v++) rowptr[v + 1] += rowptr[v];
  const col = shared(Uint32Array, m);
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

  const outdeg = shared(Uint32Array, n);
  for (let e = 0; e < write; e++) outdeg[col[e]]++;
  return { rowptr, col, outdeg, edges: write };
}
