// Columns in shared memory, so worker threads read the tables without copies: text as
// one byte array plus row offsets (as a columnar engine stores strings), numbers as
// typed arrays; and an open-addressing hash index over a text column.
import { WorkloadError } from '../lib/errors.mjs';
import { GrowableArray } from '../lib/growable.mjs';

/** A growable text column: row i is bytes[offsets[i] .. offsets[i + 1]). */
export class TextColumnBuilder {
  constructor(name) {
    this.name = name;
    this.bytes = new Uint8Array(1 << 20);
    this.size = 0;
    this.offsets = new GrowableArray(Int32Array);
    this.offsets.push(0);
  }
  /** Appends buf[from..to) as the next row. */
  push(buf, from, to) {
    const need = this.size + (to - from);
    if (need > 0x7fffffff) throw new WorkloadError(`the ${this.name} column passes 2 GiB of text`);
    if (need > this.bytes.length) {
      const bigger = new Uint8Array(Math.min(0x7fffffff, Math.max(need, this.bytes.length * 2)));
      bigger.set(this.bytes.subarray(0, this.size));
      this.bytes = bigger;
    }
    const bytes = this.bytes;
    let at = this.size;
    for (let i = from; i < to; i++) bytes[at++] = buf[i];
    this.size = at;
    this.offsets.push(at);
  }
  finish() {
    const bytes = new Uint8Array(new SharedArrayBuffer(Math.max(1, this.size)));
    bytes.set(this.bytes.subarray(0, this.size));
    return { bytes, offsets: this.offsets.shared() };
  }
}

/** 32-bit FNV-1a of bytes[from..to). */
export function hashBytes(bytes, from, to) {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return h >>> 0;
}

/** Whether row i of column `col` holds the same bytes as row j of column `other`. */
export function sameText(col, i, other, j) {
  const a = col.offsets[i];
  const b = other.offsets[j];
  const len = col.offsets[i + 1] - a;
  if (other.offsets[j + 1] - b !== len) return false;
  const x = col.bytes;
  const y = other.bytes;
  for (let k = 0; k < len; k++) if (x[a + k] !== y[b + k]) return false;
  return true;
}

/** Row i of a text column as a string (the files are read as latin1 bytes). */
export function textAt(col, i) {
  const bytes = col.bytes;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(
    'latin1',
    col.offsets[i],
    col.offsets[i + 1],
  );
}

/** Slots for `rows` keys at most half full: a power of two, so a mask picks the slot. */
export function slotCount(rows) {
  let size = 16;
  while (size < rows * 2) size *= 2;
  return size;
}

/**
 * The slot for row j of `other` in an open-addressing table over `col` (slots hold a row
 * of `col` + 1, 0 is empty, probed linearly from `hash`): the empty slot where it would go,
 * or the slot of the row with the same text.
 */
export function slotOf(slots, col, other, j, hash) {
  const mask = slots.length - 1;
  for (let s = hash & mask; ; s = (s + 1) & mask) {
    const row = slots[s] - 1;
    if (row < 0 || sameText(col, row, other, j)) return s;
  }
}

/** A hash index over a text column; a key seen twice keeps its last row, as a map's set does. */
export function buildIndex(col, rows) {
  const slots = new Int32Array(new SharedArrayBuffer(slotCount(rows) * 4));
  for (let row = 0; row < rows; row++)
    slots[slotOf(slots, col, col, row, hashBytes(col.bytes, col.offsets[row], col.offsets[row + 1]))] = row + 1;
  return slots;
}

/** The row of `col` (indexed by `slots`) whose key equals row j of `other`, or -1. */
export function lookup(slots, col, other, j, hash) {
  return slots[slotOf(slots, col, other, j, hash)] - 1;
}
