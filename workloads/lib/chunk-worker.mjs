// One thread of a ChunkPool: computes the partials of the chunks it is sent.
import { parentPort, workerData } from 'node:worker_threads';

const kernel = await import(workerData.kernelUrl);
parentPort.on('message', ({ task, from, to }) => {
  try {
    const partials = [];
    for (let c = from; c < to; c++) partials.push(kernel.chunk(workerData.shared, task, c));
    parentPort.postMessage({ partials });
  } catch (err) {
    parentPort.postMessage({ error: err?.stack ?? String(err) });
  }
});
