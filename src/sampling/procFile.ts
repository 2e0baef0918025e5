import fs from 'node:fs';

/** errno codes that mean the process or cgroup behind a file is gone, not that reading failed. */
const GONE = new Set(['ENOENT', 'ESRCH', 'ENODEV']);

export function isGone(err: unknown): boolean {
  return GONE.has((err as NodeJS.ErrnoException)?.code ?? '');
}

/**
 * A /proc or cgroup file kept open and re-read from offset 0 at every tick: one pread
 * (the kernel regenerates the text) instead of open, fstat, read and close through
 * libuv's thread pool, which cost the harness most of its CPU per sample.
 */
export class ProcFile {
  private fd: number | null = null;
  private buf: Buffer;

  constructor(
    readonly path: string,
    sizeHint = 4096,
  ) {
    this.buf = Buffer.allocUnsafe(sizeHint);
  }

  /** The file's whole text now. Throws what fs throws; isGone() tells a vanished owner. */
  read(): string {
    if (this.fd === null) this.fd = fs.openSync(this.path, 'r');
    for (;;) {
      const n = fs.readSync(this.fd, this.buf, 0, this.buf.length, 0);
      if (n < this.buf.length) return this.buf.toString('latin1', 0, n);
      this.buf = Buffer.allocUnsafe(this.buf.length * 2); // did not fit: read it again, whole
    }
  }

  /** read(), or null when the file does not exist (optional cgroup files). */
  readOrNull(): string | null {
    try {
      return this.read();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }
}

/**
 * smaps_rollup of a changing set of processes, each file kept open while its process
 * lives. Returns the texts of the processes that are still there.
 */
export class ProcessFiles {
  private readonly open = new Map<number, ProcFile>();

  constructor(private readonly name: string) {}

  read(pids: readonly number[]): string[] {
    const out: string[] = [];
    const wanted = new Set(pids);
    for (const [pid, f] of this.open)
      if (!wanted.has(pid)) {
        f.close();
        this.open.delete(pid);
      }
    for (const pid of pids) {
      let f = this.open.get(pid);
      if (!f) {
        f = new ProcFile(`/proc/${pid}/${this.name}`, 2048);
        this.open.set(pid, f);
      }
      try {
        out.push(f.read());
      } catch (err) {
        if (!isGone(err) && (err as NodeJS.ErrnoException).code !== 'EACCES') throw err;
        f.close();
        this.open.delete(pid);
      }
    }
    return out;
  }

  close(): void {
    for (const f of this.open.values()) f.close();
    this.open.clear();
  }
}
