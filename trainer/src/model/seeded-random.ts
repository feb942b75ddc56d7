// Seeded randomness for model building and training-mode dropout, so that one --seed gives one
// run: the same initial weights, the same dropout masks, on either training path.
//
// * tfjs-layers initialisers without an explicit seed ('heNormal', dense kernels, ...) draw their
//   seed from Math.random; withSeededRandom replaces Math.random by a seeded stream while a
//   (synchronous) build runs.
// * dropout masks come from a DropoutStream set around a training step: the mask of batch row r
//   at the k-th dropout call of step s is drawn from Rng.derive(seed, 'dropout', s, k, r). A row's
//   mask is the same whether the batch runs whole or split over data-parallel workers (which set
//   `rowOffset` to their shard's first row), and a resumed run draws what it would have drawn.
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../data/rng.js';

/** Runs the synchronous `fn` with Math.random drawing from a stream seeded by `seed`. */
export function withSeededRandom<T>(seed: number, fn: () => T): T {
  const real = Math.random;
  const rng = Rng.derive(seed, 'init');
  Math.random = () => rng.next();
  try {
    return fn();
  } finally {
    Math.random = real;
  }
}

export interface DropoutStream {
  seed: number;
  /** The optimizer step (0-based) this forward pass belongs to. */
  step: number;
  /** Global index of the first row of the batch this process sees (0 without data parallelism). */
  rowOffset: number;
}

let stream: (DropoutStream & { calls: number }) | undefined;

/** Runs `fn` (a training forward/backward pass) with dropout masks drawn from `s`. */
export function withDropoutStream<T>(s: DropoutStream, fn: () => T): T {
  const outer = stream;
  stream = { ...s, calls: 0 };
  try {
    return fn();
  } finally {
    stream = outer;
  }
}

/**
 * Inverted dropout (kept values scaled by 1 / (1 - rate)) of `x`, whose first dimension is the
 * batch: from the current DropoutStream, per row; outside one, tf.dropout's unseeded masks.
 */
export function seededDropout(x: tf.Tensor, rate: number): tf.Tensor {
  if (rate <= 0) return x;
  if (stream === undefined) return tf.dropout(x, rate);
  const call = stream.calls++;
  const rows = x.shape[0] ?? 1;
  const perRow = x.size / Math.max(rows, 1);
  const keep = 1 - rate;
  const scale = 1 / keep;
  const mask = new Float32Array(x.size);
  for (let r = 0; r < rows; r++) {
    const rng = Rng.derive(stream.seed, 'dropout', stream.step, call, stream.rowOffset + r);
    for (let j = r * perRow, end = j + perRow; j < end; j++) mask[j] = rng.next() < keep ? scale : 0;
  }
  return tf.tidy(() => tf.mul(x, tf.tensor(mask, x.shape)));
}
