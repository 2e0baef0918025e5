// Data-parallel passes that give the same bits for every thread count: the rows are
// cut into fixed chunks (by size, never by thread count), each chunk's partial result
// is computed alone, and the partials are combined in chunk order on the main thread.
import { Worker } from 'node:worker_threads';

export const CHUNK_ROWS = 4096;

export function chunkCount(rows, chunkRows = CHUNK_ROWS) {
  return Math.max(1, Math.ceil(rows / chunkRows));
}

/**
 * A pool of `threads` worker threads running `kernelUrl`'s `chunk(shared, task, index)`,
 * or the main thread alone when threads is 1. `shared` (SharedArrayBuffers and plain
 * values) is sent once; `map(task)` returns every chunk's partial, in chunk order
 * (`map(task, count)`: of chunks 0 .. count-1, for a pass with another cut, e.g. partitions).
 */
export class ChunkPool {
  static async create(kernelUrl, threads, shared, chunks) {
    const pool = new ChunkPool(kernelUrl, threads, shared, chunks);
    if (pool.threads <= 1) pool.kernel = await import(kernelUrl);
    return pool;
  }

  constructor(kernelUrl, threads, shared, chunks) {
    this.shared = shared;
    this.chunks = chunks;
    this.threads = Math.max(1, Math.min(threads, chunks));
    this.workers = [];
    if (this.threads > 1) {
      for (let w = 0; w < this.threads; w++) {
        this.workers.push(
          new Worker(new URL('./chunk-worker.mjs', import.meta.url), { workerData: { kernelUrl, shared } }),
        );
      }
    }
  }

  async map(task, count = this.chunks) {
    if (this.kernel) {
      const out = [];
      for (let c = 0; c < count; c++) out.push(this.kernel.chunk(this.shared, task, c));
      return out;
    }
    const out = new Array(count);
    // contiguous ranges of chunks per thread; which thread does a chunk never changes its partial
    const per = Math.ceil(count / this.workers.length);
    await Promise.all(
      this.workers.map(
        (w, i) =>
          new Promise((resolve, reject) => {
            const from = i * per;
            const to = Math.min(count, from + per);
            if (from >= to) return resolve();
            const onMessage = (msg) => {
              w.off('error', onError);
              if (msg.error) return reject(new Error(msg.error));
              for (let c = from; c < to; c++) out[c] = msg.partials[c - from];
              resolve();
            };
            const onError = (err) => {
              w.off('message', onMessage);
              reject(err);
            };
            w.once('message', onMessage);
            w.once('error', onError);
            w.postMessage({ task, from, to });
          }),
      ),
    );
    return out;
  }

  async close() {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
