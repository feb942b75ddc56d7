import { siblingModule, ThreadClient } from '@amft/shared/threads';
import type { Batch, BatchPlan, BatchSource, EpochAugment } from './batch-iterator.js';
import { batchSource } from './batch-iterator.js';

/** Sent to a worker at start (workerData): the dataset's pixels live in shared memory. */
export interface WorkerInit extends Omit<BatchSource, 'pixels' | 'labels'> {
  pixels: Uint8Array; // on a SharedArrayBuffer
  labels: Int32Array;
}

export interface BuildRequest {
  b: number;
  indices: Int32Array;
  augment: EpochAugment | null;
}

type BatchThread = ThreadClient<null, BuildRequest, Batch>;

/**
 * Worker threads (shared/src/threads/) that build batches (augmentation + normalization) of
 * one dataset off the main thread. The pixels are copied once into shared memory; each request
 * carries only the batch's indices, and the result's buffers are moved back.
 */
export class BatchWorkers {
  private turn = 0;

  private constructor(
    /** Each resolves once its worker is ready; a worker that cannot start fails the builds sent to it. */
    private readonly workers: Promise<BatchThread>[],
    private readonly plan: Pick<BatchPlan, 'dataset' | 'spec' | 'classWeights'>,
  ) {}

  static start(plan: Pick<BatchPlan, 'dataset' | 'spec' | 'classWeights'>, count: number): BatchWorkers {
    const src = batchSource(plan);
    const shared = new Uint8Array(new SharedArrayBuffer(src.pixels.length));
    shared.set(src.pixels);
    const init: WorkerInit = { ...src, pixels: shared, labels: Int32Array.from(src.labels) };
    const entry = siblingModule(import.meta.url, 'batch-worker');
    // unref: a pool nobody closed does not keep the process alive.
    const workers = Array.from({ length: count }, (_, i) => ThreadClient.start<null, BuildRequest, Batch>(entry, init, { name: `batch worker ${i}`, restart: false, unref: true }));
    for (const w of workers) w.catch(() => undefined); // reported by the builds that use it
    return new BatchWorkers(workers, plan);
  }

  get size(): number {
    return this.workers.length;
  }

  /** True when started for this plan's dataset, spec and class weights. */
  serves(plan: BatchPlan): boolean {
    return plan.dataset === this.plan.dataset && plan.spec === this.plan.spec && (plan.classWeights ?? null) === (this.plan.classWeights ?? null);
  }

  async build(b: number, indices: Int32Array, augment: EpochAugment | null): Promise<Batch> {
    const worker = await this.workers[this.turn++ % this.workers.length];
    return worker.call({ b, indices, augment }, [indices.buffer as ArrayBuffer]);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map(async (w) => (await w.catch(() => undefined))?.close()));
  }
}
