import { normalizePixels, type PreprocessingSpec } from '@amft/shared';
import type { BatchWorkers } from './batch-workers.js';
import { Rng } from './rng.js';
import { geometryOf, imageSize, type ImageDataset, type ImageGeometry } from './sample.js';
import { mixBatch, type MixOptions } from './mix.js';
import { erasingOptions, randomErase } from './random-erasing.js';
import { augmentTransform, evalTransform, type AugmentOptions } from './transforms.js';

/** One batch, ready for `tf.tensor4d(x, [size, H, W, C])`. */
export interface Batch {
  /** Position of the batch in its plan. */
  index: number;
  size: number;
  /** Normalized pixels, NHWC. */
  x: Float32Array;
  labels: Int32Array;
  /** Per-sample loss weights, when the plan has class weights. */
  weights: Float32Array | null;
  /** Soft targets [size, classes] of a mixed batch (mixup, cutmix); `labels` are their arg-max. */
  targets: Float32Array | null;
}

/**
 * Training augmentation of one epoch. Batch b draws from `Rng.derive(seed, 'augment', epoch, b)`,
 * so it is the same whatever ran before it and wherever it is built.
 */
export interface EpochAugment {
  seed: number;
  epoch: number;
  options?: AugmentOptions;
  /** Random erasing probability (data/random-erasing.ts), from `Rng.derive(seed, 'erase', epoch, b)`. */
  erasing?: number;
  /** Mixup/cutmix of the whole batch (data/mix.ts), from `Rng.derive(seed, 'mix', epoch, b)`. */
  mix?: MixOptions;
}

export interface BatchPlan {
  dataset: ImageDataset;
  spec: PreprocessingSpec;
  /** Dataset indices in batch order; all samples in dataset order when omitted. */
  order?: Int32Array;
  batchSize: number;
  /** Leave out a last batch smaller than batchSize (training), or keep it (evaluation). */
  dropLast?: boolean;
  /** Without it the (deterministic) evaluation transform is used. */
  augment?: EpochAugment | null;
  /** Loss weight per class; gives each batch its `weights`. */
  classWeights?: Float32Array | null;
  /** Worker threads started for this dataset, spec and class weights: they build the batches. */
  workers?: BatchWorkers;
}

/** What building a batch reads: images, labels, and how to turn them into model input. */
export interface BatchSource {
  geometry: ImageGeometry;
  pixels: Uint8Array;
  labels: ArrayLike<number>;
  spec: PreprocessingSpec;
  classWeights: Float32Array | null;
}

export function batchCount(plan: Pick<BatchPlan, 'dataset' | 'order' | 'batchSize' | 'dropLast'>): number {
  const n = plan.order?.length ?? plan.dataset.samples.length;
  return plan.dropLast && n >= plan.batchSize ? Math.floor(n / plan.batchSize) : Math.ceil(n / plan.batchSize);
}

/** Dataset indices of batch b. */
export function batchIndices(plan: BatchPlan, b: number): Int32Array {
  const n = plan.order?.length ?? plan.dataset.samples.length;
  const start = b * plan.batchSize;
  const end = Math.min(n, start + plan.batchSize);
  return plan.order ? plan.order.slice(start, end) : Int32Array.from({ length: end - start }, (_, i) => start + i);
}

export function batchSource(plan: Pick<BatchPlan, 'dataset' | 'spec' | 'classWeights'>): BatchSource {
  const { dataset } = plan;
  return { geometry: dataset.geometry, pixels: dataset.pixels, labels: Int32Array.from(dataset.samples, (s) => s.label), spec: plan.spec, classWeights: plan.classWeights ?? null };
}

/** Builds batch `b` of a plan on this thread. */
export function buildBatch(plan: BatchPlan, b: number): Batch {
  return assembleBatch(batchSource(plan), batchIndices(plan, b), b, plan.augment ?? null);
}

/** Transform (augmented or not) and normalize the images at `indices`, gather labels and weights. */
export function assembleBatch(src: BatchSource, indices: Int32Array, b: number, augment: EpochAugment | null): Batch {
  const size = indices.length;
  const dg = geometryOf(src.spec);
  const per = imageSize(dg);
  const stored = imageSize(src.geometry);
  const x = new Float32Array(size * per);
  const labels = new Int32Array(size);
  const weights = src.classWeights ? new Float32Array(size) : null;
  const scratch = new Uint8Array(per);
  const rng = augment ? Rng.derive(augment.seed, 'augment', augment.epoch, b) : null;
  // separate streams: with erasing or mixing on, every image still gets the crop/flip/jitter it gets without
  const erase = augment?.erasing ? { rng: Rng.derive(augment.seed, 'erase', augment.epoch, b), options: erasingOptions(augment.erasing) } : null;
  for (let i = 0; i < size; i++) {
    const idx = indices[i];
    const image = src.pixels.subarray(idx * stored, (idx + 1) * stored);
    if (rng) augmentTransform(image, src.geometry, scratch, dg, rng, augment!.options);
    else evalTransform(image, src.geometry, scratch, dg);
    if (erase) randomErase(scratch, dg, erase.rng, erase.options);
    normalizePixels(scratch, src.spec, 'hwc', x, i * per);
    labels[i] = src.labels[idx];
    if (weights) weights[i] = src.classWeights![labels[i]];
  }
  if (augment?.mix && size > 0) {
    const m = mixBatch(x, labels, dg, src.classWeights, Rng.derive(augment.seed, 'mix', augment.epoch, b), augment.mix);
    return { index: b, size, x, labels: m.labels, weights: m.weights, targets: m.targets };
  }
  return { index: b, size, x, labels, weights, targets: null };
}

/**
 * Yields the batches of a plan from `startBatch` on, building ahead of the consumer: with
 * `plan.workers`, one batch per worker is in flight on worker threads while the current one
 * trains; without, the next batch is built in a macrotask queued when the current one is handed
 * out. Either way the batches are exactly those of buildBatch.
 */
export async function* iterateBatches(plan: BatchPlan, startBatch = 0): AsyncGenerator<Batch> {
  const count = batchCount(plan);
  const workers = plan.workers;
  if (workers && !workers.serves(plan)) throw new Error('plan.workers were started for another dataset, spec or class weights');
  const prepare = (b: number): Promise<Batch> =>
    workers
      ? workers.build(b, batchIndices(plan, b), plan.augment ?? null)
      : new Promise<Batch>((resolve, reject) =>
          setImmediate(() => {
            try {
              resolve(buildBatch(plan, b));
            } catch (err) {
              reject(err);
            }
          }),
        );
  const depth = workers ? workers.size : 1;
  const queue: Array<Promise<Batch>> = [];
  let next = startBatch;
  const fill = () => {
    while (queue.length < depth && next < count) {
      const p = prepare(next++);
      p.catch(() => undefined); // reported when awaited; not unhandled if the consumer stops first
      queue.push(p);
    }
  };
  fill();
  while (queue.length > 0) {
    const current = await queue.shift()!;
    fill();
    yield current;
  }
}
