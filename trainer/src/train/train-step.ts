import * as tf from '@tensorflow/tfjs';
import { withDropoutStream } from '../model/seeded-random.js';
import { imageLogits } from './forward.js';
import { crossEntropy } from './loss.js';
import { modelParams } from './param-optimizer.js';

export interface StepResult {
  loss: number;
  /** Samples of the batch whose arg-max prediction is the label. */
  correct: number;
}

export interface StepOptions {
  labelSmoothing?: number;
  /** Soft targets [N, K] of a mixed batch (mixup, cutmix): the loss's targets; `y` still counts `correct`. */
  targets?: tf.Tensor2D | null;
  /** tau * log(prior) per class, added to the logits in the loss only (train/loss.ts logitAdjustment). */
  logitAdjustment?: ArrayLike<number> | null;
  /** Seeded dropout masks for this step (model/seeded-random.ts); unseeded without. */
  dropout?: { seed: number; step: number };
}

/**
 * One optimizer step on a batch: forward in training mode, loss, gradients of the model's
 * trainable variables (tf.variableGrads), update; all intermediate tensors freed. The
 * data-parallel path (train/step-engine.ts) does the same step with the batch split over workers.
 */
export function trainStep(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  x: tf.Tensor,
  y: tf.Tensor1D,
  weights: tf.Tensor1D | null,
  opts: StepOptions = {},
): StepResult {
  const vars = modelParams(model).map((p) => p.variable);
  let correct: tf.Scalar | undefined;
  try {
    // the forward pass's activations are freed before the update (peak memory: one, not both)
    const run = () => tf.tidy(() =>
      tf.variableGrads(() => {
        const logits = imageLogits(model, x, true);
        // kept out of the gradient tape's scope so it can be read after the step
        correct = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, -1), y), 'float32')));
        return crossEntropy(logits, opts.targets ?? y, weights, opts.labelSmoothing ?? 0, opts.logitAdjustment ?? null);
      }, vars),
    );
    const { value, grads } = opts.dropout ? withDropoutStream({ ...opts.dropout, rowOffset: 0 }, run) : run();
    optimizer.applyGradients(grads);
    const values = tf.stack([value, correct!]);
    tf.dispose([value, ...Object.values(grads)]);
    const [loss, right] = values.dataSync();
    values.dispose();
    return { loss, correct: right };
  } finally {
    correct?.dispose();
  }
}
