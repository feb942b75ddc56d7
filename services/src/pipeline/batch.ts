/**
 * Stage 4: a small dynamic batcher. Face crops from any number of requests wait in one bounded
 * queue; a batch leaves when `maxBatchSize` crops are waiting or the oldest has waited
 * `maxDelayMs`, whichever comes first, and one batch runs at a time (crops that arrive meanwhile
 * form the next batch). Each batch is normalized with the shared `normalizePixels(…, 'chw')`
 * into one `[N,C,H,W]` float32 buffer. A submit that would overflow the queue is refused with
 * FER_ERR_QUEUE_FULL (503), whole, before anything of it is queued. Crops submitted with a
 * signal that is aborted before their batch leaves are dropped (rejected with the signal's
 * reason), so a cancelled request costs no inference. The crops of one submit are one queue
 * entry with one promise, which a batch may take part of. Each model has a batcher of its own, with
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

/**
 * The crops of one submit (one request): one queue entry and one promise, however many crops
 * (a bulk request of 32 crops made 32 of each). A batch may take part of an entry; the entry
 * resolves when its last crop has run.
 */
interface Entry {
  /** Crops (HWC uint8), or already normalized CHW tensors. */
  items: readonly (Uint8Array | Float32Array)[];
  /** The first item not yet taken into a batch. */
  next: number;
  results: Float32Array[];
  /** Items not answered yet. */
  left: number;
  settled: boolean;
  signal?: AbortSignal;
  resolve: (v: Float32Array[]) => void;
  reject: (e: unknown) => void;
}

/** A run of `count` items of `entry`, from `from`, in a batch. */
interface Part {
  entry: Entry;
  from: number;
  count: number;
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
  private queue: Entry[] = [];
  /** Items in the queue not yet taken into a batch. */
  private queued = 0;
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
    if (this.queued + items.length > this.opts.maxQueue) {
      this.stats.rejected += items.length;
      return Promise.reject(new QueueFullError('inference', this.queued));
    }
    const size = this.opts.spec.height * this.opts.spec.width * this.opts.spec.channels;
    const bad = items.findIndex((c) => c.length !== size);
    if (bad >= 0) return Promise.reject(new RangeError(`crop ${bad} has ${items[bad].length} values, expected ${size}`));
    const promise = new Promise<Float32Array[]>((resolve, reject) => {
      this.queue.push({ items, next: 0, results: new Array<Float32Array>(items.length), left: items.length, settled: false, signal, resolve, reject });
    });
    this.queued += items.length;
    this.schedule();
    return promise;
  }

  getStats(): BatcherStats {
    return { queued: this.queued, running: this.running !== undefined, ...this.stats };
  }

  /** Refuses new work, runs what is queued, and resolves when the last batch is done. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.queued > 0 || this.running) {
      if (!this.running) this.flush();
      await this.running;
    }
  }

  private schedule(): void {
    if (this.running) return; // the running batch flushes the queue when it ends
    if (this.queued >= this.opts.maxBatchSize || this.opts.maxDelayMs === 0) {
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
    this.dropSettledAndCancelled();
    if (this.queued === 0) return;
    const parts = this.take();
    this.running = this.runBatch(parts).finally(() => {
      this.running = undefined;
      // Crops that arrived during the run have waited already: run them now.
      if (this.queued > 0) this.flush();
    });
  }

  /** Up to `maxBatchSize` items from the head of the queue, in order. */
  private take(): Part[] {
    const parts: Part[] = [];
    let room = this.opts.maxBatchSize;
    while (room > 0 && this.queue.length > 0) {
      const entry = this.queue[0];
      const count = Math.min(room, entry.items.length - entry.next);
      parts.push({ entry, from: entry.next, count });
      entry.next += count;
      this.queued -= count;
      room -= count;
      if (entry.next === entry.items.length) this.queue.shift();
    }
    return parts;
  }

  /** Rejects the entries whose request was cancelled (with its reason), and forgets those already settled. */
  private dropSettledAndCancelled(): void {
    if (!this.queue.some((e) => e.settled || e.signal?.aborted)) return;
    const keep: Entry[] = [];
    for (const e of this.queue) {
      const waiting = e.items.length - e.next;
      if (e.settled) this.queued -= waiting;
      else if (e.signal?.aborted) {
        this.queued -= waiting;
        this.stats.dropped += waiting;
        e.settled = true;
        e.reject(e.signal.reason);
      } else keep.push(e);
    }
    this.queue = keep;
  }

  private async runBatch(parts: Part[]): Promise<void> {
    const { spec, outputSize } = this.opts;
    const size = spec.height * spec.width * spec.channels;
    const n = parts.reduce((s, p) => s + p.count, 0);
    try {
      const batch = new Float32Array(n * size);
      let i = 0;
      for (const { entry, from, count } of parts) {
        for (let k = from; k < from + count; k++, i++) {
          const it = entry.items[k];
          if (it instanceof Float32Array) batch.set(it, i * size);
          else normalizePixels(it, spec, 'chw', batch, i * size);
        }
      }
      const t0 = performance.now();
      const out = await this.opts.run(batch, n);
      if (out.length !== n * outputSize) throw new Error(`batch of ${n} gave ${out.length} values, expected ${n * outputSize}`);
      this.opts.onBatch?.(n, (performance.now() - t0) / 1000);
      this.stats.batches += 1;
      this.stats.items += n;
      this.stats.largestBatch = Math.max(this.stats.largestBatch, n);
      i = 0;
      for (const { entry, from, count } of parts) {
        for (let k = from; k < from + count; k++, i++) entry.results[k] = out.subarray(i * outputSize, (i + 1) * outputSize);
        entry.left -= count;
        if (entry.left === 0 && !entry.settled) {
          entry.settled = true;
          entry.resolve(entry.results);
        }
      }
    } catch (err) {
      // The entries of a failed batch fail whole; what of them is still queued is dropped at the next flush.
      for (const { entry } of parts) {
        if (entry.settled) continue;
        entry.settled = true;
        entry.reject(err);
      }
    }
  }
}
