// The wasm backend's memory ceiling. tfjs-backend-wasm is a wasm32 module: every tensor of a
// process (or of a data-parallel worker) lives in one heap of at most 4 GiB - 64 KiB. When a
// training step needs more, the module's malloc returns 0, tfjs does not check, and the kernels
// write through a null pointer: "RuntimeError: memory access out of bounds" mid-step (the seed
// variant at batch 7). Two guards here:
//   * assertTrainingFits refuses a batch up front, from the model's size, naming the largest
//     batch that fits and the ways out;
//   * guardWasmHeap turns a failed allocation into that message instead of the crash.
import type * as tf from '@tensorflow/tfjs';

/** The heap ceiling of tfjs-backend-wasm's builds (Emscripten getHeapMax). */
export const WASM_HEAP_BYTES = 4294901760;

/**
 * Peak heap bytes of one training step: per image, this many times the model's layer outputs
 * (activations kept for the backward pass, their gradients, kernel scratch); per parameter, this
 * many float32 copies (weights, two AdamW moments, gradients, update temporaries). Measured
 * (malloc'd bytes at the peak of a step, AdamW): seed 1,232 / 2,025 / 3,297 MiB at batch 1 / 2 / 4,
 * i.e. ~640 MiB per image (4.1x its 156 MiB of layer outputs) over ~750 MiB (4x its 188 MiB of
 * weights); lite 913 MiB at batch 64 (4.5x). Batch 4 is then the seed variant's largest in one heap.
 */
export const ACTIVATION_FACTOR = 4.5;
export const PARAM_COPIES = 5;

const GIB = 2 ** 30;

/** Floats of one sample's layer outputs (every layer's output shape without the batch). */
export function activationFloats(model: tf.LayersModel): number {
  let total = 0;
  for (const layer of model.layers) {
    const shapes = (Array.isArray(layer.outputShape[0]) ? layer.outputShape : [layer.outputShape]) as Array<Array<number | null>>;
    for (const s of shapes) total += s.slice(1).reduce<number>((a, d) => a * (d ?? 1), 1);
  }
  return total;
}

/** Estimated peak heap bytes of one training step of `rows` images in one heap. */
export function trainingBytes(model: tf.LayersModel, rows: number): number {
  return 4 * (PARAM_COPIES * model.countParams() + ACTIVATION_FACTOR * rows * activationFloats(model));
}

/** The largest batch whose shards (one per heap) fit: 0 when not even one image fits. */
export function largestBatch(model: tf.LayersModel, heaps = 1): number {
  const perImage = 4 * ACTIVATION_FACTOR * activationFloats(model);
  const free = WASM_HEAP_BYTES - 4 * PARAM_COPIES * model.countParams();
  return Math.max(0, Math.floor(free / perImage)) * heaps;
}

const WAYS_OUT = 'train on a GPU with @tensorflow/tfjs-node-gpu (--backend tensorflow-gpu; docker/trainer.Dockerfile), or on the cpu backend (--backend cpu: no 4 GiB limit, much slower)';

/**
 * On the wasm backend, throws before training when a batch of `batchSize` (split over `workers`
 * heaps, 0 = the main thread's) is estimated not to fit in the 4 GiB heap.
 */
export function assertTrainingFits(model: tf.LayersModel, o: { backend: string; batchSize: number; workers: number }): void {
  if (o.backend !== 'wasm') return;
  const heaps = Math.max(1, o.workers);
  const rows = Math.ceil(o.batchSize / heaps);
  const need = trainingBytes(model, rows);
  if (need <= WASM_HEAP_BYTES) return;
  const max = largestBatch(model, heaps);
  const where = heaps > 1 ? `${heaps} worker heaps of 4 GiB` : 'the 4 GiB wasm heap';
  throw new Error(
    `--batch-size ${o.batchSize} does not fit in ${where}: a step of ${rows} images of this model needs about ${(need / GIB).toFixed(1)} GiB. ` +
      (max > 0 ? `The largest batch that fits is ${max} (--batch-size ${max})` : 'Not even one image fits') +
      `; or ${WAYS_OUT}.`,
  );
}

interface EmscriptenHeap {
  _malloc: (bytes: number) => number;
  asm?: { malloc?: (bytes: number) => number };
}

/**
 * Makes the wasm backend's allocations throw a clear error when the heap is full, instead of
 * handing tfjs a null pointer. `backend` is tf.backend() with the wasm backend active.
 */
export function guardWasmHeap(backend: object): void {
  const module = (backend as { wasm?: EmscriptenHeap & { amftGuarded?: boolean } }).wasm;
  if (module === undefined || module.amftGuarded) return;
  // Module._malloc starts as a wrapper that replaces itself with the raw export on first call
  const raw = module.asm?.malloc ?? module._malloc;
  module._malloc = (bytes: number) => {
    const p = bytes >= 2 ** 32 ? 0 : raw(bytes);
    if (p === 0 && bytes > 0) {
      throw new Error(`the wasm heap is full (4 GiB, the most a wasm32 module addresses): ${(bytes / 2 ** 20).toFixed(0)} MiB more did not fit. Use a smaller --batch-size, or more --data-parallel workers (one heap each), or ${WAYS_OUT}.`);
    }
    return p;
  };
  module.amftGuarded = true;
}
