// Worker-thread entry of BatchWorkers: builds the batches it is asked for with assembleBatch.
import { workerData } from 'node:worker_threads';
import { serveThread } from '@amft/shared/threads';
import { assembleBatch, type Batch } from './batch-iterator.js';
import type { BuildRequest, WorkerInit } from './batch-workers.js';

const src = workerData as WorkerInit;

await serveThread<null, BuildRequest, Batch>(async () => ({
  info: null,
  handle: (req) => assembleBatch(src, req.indices, req.b, req.augment),
  transfer: (batch) => [batch.x.buffer, batch.labels.buffer, ...(batch.weights ? [batch.weights.buffer] : []), ...(batch.targets ? [batch.targets.buffer] : [])] as ArrayBuffer[],
  close: async () => {},
}));
