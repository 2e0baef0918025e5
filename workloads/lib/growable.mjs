// A typed array that grows as values are pushed: for loaders that do not know the row
// count before they have read the file.
export class GrowableArray {
  constructor(Type, capacity = 1 << 16) {
    this.Type = Type;
    this.data = new Type(Math.max(16, capacity));
    this.length = 0;
  }
  push(x) {
    if (this.length === this.data.length) {
      const bigger = new this.Type(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = x;
  }
  /** The values so far, without a copy. */
  view() {
    return this.data.subarray(0, this.length);
  }
  /** The values as a copy in shared memory, for worker threads. */
  shared() {
    const out = new this.Type(new SharedArrayBuffer(Math.max(1, this.length) * this.Type.BYTES_PER_ELEMENT));
    out.set(this.view());
    return out;
  }
}
