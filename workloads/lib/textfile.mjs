// Reading a text data file line by line in fixed-size blocks, with line numbers for
// errors: a file of hundreds of MB never sits in memory as one string.
import fs from 'node:fs';
import { WorkloadError } from './errors.mjs';

export function forEachLine(file, onLine) {
  let fd;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    throw new WorkloadError(`cannot read ${file}: ${err.code ?? err.message}`);
  }
  const buf = Buffer.allocUnsafe(4 << 20);
  let carry = '';
  let lineNo = 0;
  try {
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      const text = carry + buf.toString('latin1', 0, n);
      let start = 0;
      for (;;) {
        const end = text.indexOf('\n', start);
        if (end < 0) break;
        lineNo++;
        onLine(text.slice(start, end), lineNo);
        start = end + 1;
      }
      carry = text.slice(start);
      if (n === 0) {
        if (carry.length) onLine(carry, ++lineNo);
        return lineNo;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Buffered writes of text lines. */
export class LineWriter {
  constructor(file) {
    try {
      this.fd = fs.openSync(file, 'w');
    } catch (err) {
      throw new WorkloadError(`cannot write ${file}: ${err.code ?? err.message}`);
    }
    this.parts = [];
    this.size = 0;
  }
  line(text) {
    this.parts.push(text, '\n');
    this.size += text.length + 1;
    if (this.size > 1 << 20) this.flush();
  }
  flush() {
    if (this.parts.length) fs.writeSync(this.fd, this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }
  close() {
    this.flush();
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
  }
}

/** A number field of a data line, or a WorkloadError naming the place. */
export function numberAt(text, file, lineNo, what) {
  const x = text.length ? Number(text) : Number.NaN;
  if (!Number.isFinite(x))
    throw new WorkloadError(`${file}:${lineNo}: ${what} ${JSON.stringify(text)} is not a number`);
  return x;
}
