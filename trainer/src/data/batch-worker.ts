// Worker-thread entry of BatchWorkers: builds the batches it is asked for with assembleBatch.
import { parentPort, workerData } from 'node:worker_threads';
import { assembleBatch } from './batch-iterator.js';
import type { BuildReply, BuildRequest, WorkerInit } from './batch-workers.js';

const src = workerData as WorkerInit;

parentPort!.on('message', (req: BuildRequest) => {
  let reply: BuildReply;
  const transfer: ArrayBuffer[] = [];
  try {
    const batch = assembleBatch(src, req.indices, req.b, req.augment);
    reply = { id: req.id, batch };
    transfer.push(batch.x.buffer as ArrayBuffer, batch.labels.buffer as ArrayBuffer);
    if (batch.weights) transfer.push(batch.weights.buffer as ArrayBuffer);
  } catch (err) {
    reply = { id: req.id, error: (err as Error).stack ?? String(err) };
  }
  parentPort!.postMessage(reply, transfer);
});
