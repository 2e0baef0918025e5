// Reading a text data file line by line in fixed-size blocks, with line numbers for
// errors: a file of hundreds of MB never sits in memory as one string.
import fs from 'node:fs';
import { WorkloadError } from './errors.mjs';

function openToRead(file) {
  try {
    return fs.openSync(file, 'r');
  } catch (err) {
    throw new WorkloadError(`cannot read ${file}: ${err.code ?? err.message}`);
  }
}

export function forEachLine(file, onLine) {
  const fd = openToRead(file);
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

/**
 * Like forEachLine, without making strings: onLine(buf, start, end, lineNo) sees the
 * line as bytes buf[start..end) (no newline), valid only during the call.
 */
export function forEachLineBytes(file, onLine) {
  const fd = openToRead(file);
  let buf = Buffer.allocUnsafe(4 << 20);
  let kept = 0; // bytes of an unfinished line carried to the front of buf
  let lineNo = 0;
  try {
    for (;;) {
      if (kept === buf.length) buf = Buffer.concat([buf, Buffer.allocUnsafe(buf.length)]); // a line longer than buf
      const n = fs.readSync(fd, buf, kept, buf.length - kept, null);
      const filled = kept + n;
      let start = 0;
      for (;;) {
        const end = buf.indexOf(10, start);
        if (end < 0 || end >= filled) break;
        onLine(buf, start, end, ++lineNo);
        start = end + 1;
      }
      if (n === 0) {
        if (filled > start) onLine(buf, start, filled, ++lineNo);
        return lineNo;
      }
      buf.copy(buf, 0, start, filled);
      kept = filled - start;
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
