/**
 * Stage 4: a small dynamic batcher. Face crops from any number of requests wait in one bounded
 * queue; a batch leaves when `maxBatchSize` crops are waiting or the oldest has waited
 * `maxDelayMs`, whichever comes first, and one batch runs at a time (crops that arrive meanwhile
 * form the next batch). Each batch is normalized with the shared `normalizePixels(…, 'chw')`
 * into one `[N,C,H,W]` float32 buffer. A submit that would overflow the queue is refused with
 * FER_ERR_QUEUE_FULL (503), whole, before anything of it is queued. Crops submitted with a
 * signal that is aborted before their batch leaves are dropped (rejected with the signal's
 * reason), so a cancelled request costs no inference. Each model has a batcher of its own, with
 * its own limits. Tensors already normalized (the v2 infer route's) share the same
 * queue through `submitNormalized`.
 */
import { normalizePixels, type PreprocessingSpec } from '@amft/shared';
import { QueueFullError } from '../errors.js';

export type NormalizeSpec = Pick<PreprocessingSpec, 'height' | 'width' | 'channels' | 'mean' | 'std'>;

export interface BatcherOptions {
  maxBatchSize: number;
  maxDelayMs: number;
  maxQueue: number;
  spec: NormalizeSpec;
  /** Number of values per item in the result (e.g. 7 class probabilities). */
  outputSize: number;
  /** Runs one batch `[n,C,H,W]`; resolves to `n * outputSize` values. */
  run: (batch: Float32Array, n: number) => Promise<Float32Array>;
  /** Told of each batch that ran: its size and the seconds `run` took (metrics). */
  onBatch?: (n: number, seconds: number) => void;
}

interface Item {
  /** A crop (HWC uint8), or an already normalized CHW tensor. */
  pixels: Uint8Array | Float32Array;
  signal?: AbortSignal;
  resolve: (v: Float32Array) => void;
  reject: (e: unknown) => void;
}

export interface BatcherStats {
  queued: number;
  running: boolean;
  batches: number;
  items: number;
  largestBatch: number;
  /** Crops refused because the queue was full. */
  rejected: number;
  /** Crops dropped because their request was cancelled. */
  dropped: number;
}

export class BatcherClosedError extends Error {
  override name = 'BatcherClosedError';
}

export class DynamicBatcher {
  private queue: Item[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private closed = false;
  private readonly stats = { batches: 0, items: 0, largestBatch: 0, rejected: 0, dropped: 0 };

  constructor(private readonly opts: BatcherOptions) {
    if (opts.maxBatchSize < 1 || opts.maxQueue < 1) throw new RangeError('maxBatchSize and maxQueue must be at least 1');
  }

  /** Queues crops (HWC uint8, `spec` sized); resolves to one output vector per crop, in order. */
  submit(crops: readonly Uint8Array[], signal?: AbortSignal): Promise<Float32Array[]> {
    return this.enqueue(crops, signal);
  }

  /** Queues normalized `[C,H,W]` float tensors; resolves like `submit`. */
  submitNormalized(tensors: readonly Float32Array[]): Promise<Float32Array[]> {
    return this.enqueue(tensors);
  }

  private enqueue(items: readonly (Uint8Array | Float32Array)[], signal?: AbortSignal): Promise<Float32Array[]> {
    if (items.length === 0) return Promise.resolve([]);
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.closed) return Promise.reject(new BatcherClosedError('the batcher is closed'));
    if (this.queue.length + items.length > this.opts.maxQueue) {
      this.stats.rejected += items.length;
      return Promise.reject(new QueueFullError('inference', this.queue.length));
    }
    const size = this.opts.spec.height * this.opts.spec.width * this.opts.spec.channels;
    const bad = items.findIndex((c) => c.length !== size);
    if (bad >= 0) return Promise.reject(new RangeError(`crop ${bad} has ${items[bad].length} values, expected ${size}`));
    const promises = items.map((pixels) => new Promise<Float32Array>((resolve, reject) => this.queue.push({ pixels, signal, resolve, reject })));
    this.schedule();
    return Promise.all(promises);
  }

  getStats(): BatcherStats {
    return { queued: this.queue.length, running: this.running !== undefined, ...this.stats };
  }

  /** Refuses new work, runs what is queued, and resolves when the last batch is done. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.queue.length > 0 || this.running) {
      if (!this.running) this.flush();
      await this.running;
    }
  }

  private schedule(): void {
    if (this.running) return; // the running batch flushes the queue when it ends
    if (this.queue.length >= this.opts.maxBatchSize || this.opts.maxDelayMs === 0) {
      this.flush();
    } else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.opts.maxDelayMs);
    }
  }

  private flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.running) return;
    this.dropCancelled();
    if (this.queue.length === 0) return;
    const items = this.queue.splice(0, this.opts.maxBatchSize);
    this.running = this.runBatch(items).finally(() => {
      this.running = undefined;
      // Crops that arrived during the run have waited already: run them now.
      if (this.queue.length > 0) this.flush();
    });
  }

  private dropCancelled(): void {
    if (!this.queue.some((it) => it.signal?.aborted)) return;
    const keep: Item[] = [];
    for (const it of this.queue) {
      if (it.signal?.aborted) {
        this.stats.dropped += 1;
        it.reject(it.signal.reason);
      } else keep.push(it);
    }
    this.queue = keep;
  }

  private async runBatch(items: Item[]): Promise<void> {
    const { spec, outputSize } = this.opts;
    const size = spec.height * spec.width * spec.channels;
    const n = items.length;
    try {
      const batch = new Float32Array(n * size);
      items.forEach((it, i) => (it.pixels instanceof Float32Array ? batch.set(it.pixels, i * size) : normalizePixels(it.pixels, spec, 'chw', batch, i * size)));
      const t0 = performance.now();
      const out = await this.opts.run(batch, n);
      if (out.length !== n * outputSize) throw new Error(`batch of ${n} gave ${out.length} values, expected ${n * outputSize}`);
      this.opts.onBatch?.(n, (performance.now() - t0) / 1000);
      this.stats.batches += 1;
      this.stats.items += n;
      this.stats.largestBatch = Math.max(this.stats.largestBatch, n);
      items.forEach((it, i) => it.resolve(out.subarray(i * outputSize, (i + 1) * outputSize)));
    } catch (err) {
      for (const it of items) it.reject(err);
    }
  }
}
