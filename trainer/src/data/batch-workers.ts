import { Worker } from 'node:worker_threads';
import type { Batch, BatchPlan, BatchSource, EpochAugment } from './batch-iterator.js';
import { batchSource } from './batch-iterator.js';

/** Sent to a worker at start (workerData): the dataset's pixels live in shared memory. */
export interface WorkerInit extends Omit<BatchSource, 'pixels' | 'labels'> {
  pixels: Uint8Array; // on a SharedArrayBuffer
  labels: Int32Array;
}

export interface BuildRequest {
  id: number;
  b: number;
  indices: Int32Array;
  augment: EpochAugment | null;
}

export type BuildReply = { id: number; batch: Batch } | { id: number; error: string };

/**
 * Worker threads that build batches (augmentation + normalization) of one dataset off the main
 * thread. The pixels are copied once into shared memory; each request carries only the batch's
 * indices, and the result's buffers are transferred back.
 */
export class BatchWorkers {
  private readonly pending = new Map<number, { resolve: (b: Batch) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private turn = 0;

  private constructor(
    private readonly workers: Worker[],
    private readonly plan: Pick<BatchPlan, 'dataset' | 'spec' | 'classWeights'>,
  ) {
    for (const w of workers) {
      w.unref(); // an unclosed pool does not keep the process alive
      w.on('message', (m: BuildReply) => {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if ('error' in m) p?.reject(new Error(`batch worker: ${m.error}`));
        else p?.resolve(m.batch);
      });
      w.on('error', (err) => this.failAll(err));
      w.on('exit', (code) => code !== 0 && this.failAll(new Error(`batch worker exited with code ${code}`)));
    }
  }

  static start(plan: Pick<BatchPlan, 'dataset' | 'spec' | 'classWeights'>, count: number): BatchWorkers {
    const src = batchSource(plan);
    const shared = new Uint8Array(new SharedArrayBuffer(src.pixels.length));
    shared.set(src.pixels);
    const init: WorkerInit = { ...src, pixels: shared, labels: Int32Array.from(src.labels) };
    return new BatchWorkers(Array.from({ length: count }, () => spawn(init)), plan);
  }

  get size(): number {
    return this.workers.length;
  }

  /** True when started for this plan's dataset, spec and class weights. */
  serves(plan: BatchPlan): boolean {
    return plan.dataset === this.plan.dataset && plan.spec === this.plan.spec && (plan.classWeights ?? null) === (this.plan.classWeights ?? null);
  }

  build(b: number, indices: Int32Array, augment: EpochAugment | null): Promise<Batch> {
    const id = this.nextId++;
    const worker = this.workers[this.turn++ % this.workers.length];
    return new Promise<Batch>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const req: BuildRequest = { id, b, indices, augment };
      worker.postMessage(req, [indices.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    this.failAll(new Error('batch workers closed'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

function spawn(init: WorkerInit): Worker {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    // Running from TypeScript sources (tests, tsx): a worker does not inherit tsx's loader, so it
    // registers tsx itself before importing the worker module.
    const entry = new URL('./batch-worker.ts', here).href;
    return new Worker(`import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`, { eval: true, workerData: init });
  }
  return new Worker(new URL('./batch-worker.js', here), { workerData: init });
}
