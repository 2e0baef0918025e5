// SNAP edge-list text: '#' comment lines, blank lines, two ids per line separated
// by tabs or spaces. Our own generator adds "# Dense: N" so that isolated vertices
// survive the round trip; any other file has its ids remapped densely.
import fs from 'node:fs';
import { WorkloadError } from '../../lib/errors.mjs';
import { GrowableArray } from '../../lib/growable.mjs';

const CHUNK = 1 << 22;

/**
 * Streams edges to a file and fsyncs it. Digits are written straight into a
 * byte buffer: no string per edge, so generating a large graph makes no garbage.
 */
export class EdgeListWriter {
  constructor(path, { vertices, edges, description }) {
    this.path = path;
    this.fd = fs.openSync(path, 'w');
    this.buf = Buffer.allocUnsafe(1 << 20);
    this.pos = 0;
    this.bytes = 0;
    this.digits = new Uint8Array(16);
    this.pos = this.buf.write(
      `# ${description}\n# Nodes: ${vertices} Edges: ${edges}\n# Dense: ${vertices}\n# FromNodeId\tToNodeId\n`,
    );
  }

  writeInt(x) {
    const buf = this.buf;
    if (x === 0) {
      buf[this.pos++] = 48;
      return;
    }
    let n = 0;
    while (x > 0) {
      const q = Math.floor(x / 10);
      this.digits[n++] = 48 + (x - q * 10);
      x = q;
    }
    while (n > 0) buf[this.pos++] = this.digits[--n];
  }

  add(src, dst) {
    if (this.pos > this.buf.length - 48) this.flush();
    this.writeInt(src);
    this.buf[this.pos++] = 9;
    this.writeInt(dst);
    this.buf[this.pos++] = 10;
  }

  flush() {
    let off = 0;
    while (off < this.pos) off += fs.writeSync(this.fd, this.buf, off, this.pos - off);
    this.bytes += this.pos;
    this.pos = 0;
  }

  close() {
    this.flush();
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    return this.bytes;
  }
}

/**
 * Reads an edge list. Returns dense Uint32 endpoint arrays, the vertex count and,
 * when ids were remapped, the original id of every dense vertex.
 * @returns {{src: Uint32Array, dst: Uint32Array, vertices: number, originalIds: Float64Array|null, bytes: number}}
 */
export function readEdgeList(path) {
  let fd;
  try {
    fd = fs.openSync(path, 'r');
  } catch (err) {
    throw new WorkloadError(`cannot open edge list ${path}: ${err.code ?? err.message}`);
  }
  const buf = Buffer.allocUnsafe(CHUNK);
  let dense = -1; // vertex count from "# Dense: N", or -1
  let edgesHint = 1 << 16; // from "# Nodes: N Edges: M", to size the arrays once
  let srcs = null;
  let dsts = null;
  let line = 1;
  let atLineStart = true;
  let inComment = false;
  let comment = '';
  let fields = 0;
  let value = 0;
  let inNumber = false;
  let first = 0;
  let bytes = 0;

  const fail = (what) => {
    throw new WorkloadError(`corrupt edge list ${path}:${line}: ${what}`);
  };
  const ensureArrays = () => {
    if (srcs) return;
    // Dense files hold ids < 2^32; other files may hold any id up to 2^53.
    const Type = dense >= 0 ? Uint32Array : Float64Array;
    srcs = new GrowableArray(Type, edgesHint);
    dsts = new GrowableArray(Type, edgesHint);
  };
  const endNumber = () => {
    if (fields === 0) first = value;
    else if (fields === 1) {
      ensureArrays();
      if (dense >= 0 && (first >= dense || value >= dense)) {
        fail(`id ${first >= dense ? first : value} is not below the declared vertex count ${dense}`);
      }
      srcs.push(first);
      dsts.push(value);
    }
    fields++;
    inNumber = false;
    value = 0;
  };
  const endLine = () => {
    if (inComment) {
      const m = /^#\s*Dense:\s*(\d+)\s*$/.exec(comment);
      if (m && srcs === null) dense = Number(m[1]);
      const e = /Edges:\s*(\d+)/.exec(comment);
      if (e && srcs === null) edgesHint = Math.min(Number(e[1]), 1 << 30) || edgesHint;
      inComment = false;
      comment = '';
    } else {
      if (inNumber) endNumber();
      if (fields !== 0 && fields !== 2) fail(`expected two vertex ids, found ${fields}`);
    }
    fields = 0;
    atLineStart = true;
    line++;
  };

  try {
    for (;;) {
      const n = fs.readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) break;
      bytes += n;
      for (let i = 0; i < n; i++) {
        const c = buf[i];
        if (c === 10) {
          endLine();
          continue;
        }
        if (inComment) {
          if (comment.length < 200) comment += String.fromCharCode(c);
          continue;
        }
        if (atLineStart && c === 35 /* # */) {
          inComment = true;
          comment = '#';
          atLineStart = false;
          continue;
        }
        atLineStart = false;
        if (c >= 48 && c <= 57) {
          if (fields >= 2) fail('more than two fields');
          value = value * 10 + (c - 48);
          if (value > Number.MAX_SAFE_INTEGER) fail('vertex id too large');
          inNumber = true;
        } else if (c === 32 || c === 9 || c === 13) {
          if (inNumber) endNumber();
        } else {
          fail(`unexpected character ${JSON.stringify(String.fromCharCode(c))}`);
        }
      }
    }
    if (!atLineStart || inNumber) endLine();
  } finally {
    fs.closeSync(fd);
  }
  ensureArrays();
  if (dense >= 0) {
    return { src: srcs.view(), dst: dsts.view(), vertices: dense, originalIds: null, bytes };
  }
  return { ...remap(srcs.view(), dsts.view()), bytes };
}

/** Maps sparse ids to 0..n-1 in increasing id order. */
function remap(src, dst) {
  const m = src.length;
  let max = 0;
  for (let i = 0; i < m; i++) {
    if (src[i] > max) max = src[i];
    if (dst[i] > max) max = dst[i];
  }
  // ids not much larger than the edge count (most SNAP files): a lookup table, O(m + max);
  // the same increasing-id order as sorting, without the sort
  if (max < 2 ** 26 && max <= 8 * m + 1024) return remapByTable(src, dst, max);
  return remapBySort(src, dst);
}

function remapByTable(src, dst, max) {
  const m = src.length;
  const index = new Int32Array(max + 1).fill(-1);
  for (let i = 0; i < m; i++) {
    index[src[i]] = 0;
    index[dst[i]] = 0;
  }
  let n = 0;
  for (let id = 0; id <= max; id++) if (index[id] === 0) index[id] = n++;
  const ids = new Float64Array(n);
  for (let id = 0; id <= max; id++) if (index[id] >= 0) ids[index[id]] = id;
  const s = new Uint32Array(m);
  const d = new Uint32Array(m);
  for (let i = 0; i < m; i++) {
    s[i] = index[src[i]];
    d[i] = index[dst[i]];
  }
  return { src: s, dst: d, vertices: n, originalIds: ids };
}

function remapBySort(src, dst) {
  const m = src.length;
  const all = new Float64Array(2 * m);
  all.set(src, 0);
  all.set(dst, m);
  all.sort();
  let n = 0;
  for (let i = 0; i < all.length; i++) {
    if (i === 0 || all[i] !== all[i - 1]) all[n++] = all[i];
  }
  const ids = all.slice(0, n);
  const index = (x) => {
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ids[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const s = new Uint32Array(m);
  const d = new Uint32Array(m);
  for (let i = 0; i < m; i++) {
    s[i] = index(src[i]);
    d[i] = index(dst[i]);
  }
  return { src: s, dst: d, vertices: n, originalIds: ids };
}
