import * as tf from '@tensorflow/tfjs';
import { imageLogits } from './forward.js';
import { crossEntropy } from './loss.js';
import { modelParams } from './param-optimizer.js';

export interface StepResult {
  loss: number;
  /** Samples of the batch whose arg-max prediction is the label. */
  correct: number;
}

/**
 * One optimizer step on a batch: forward in training mode, loss, gradients of the model's
 * trainable variables (tf.variableGrads), update; all intermediate tensors freed. A data-parallel
 * variant can replace this function with the same signature.
 */
export function trainStep(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  x: tf.Tensor,
  y: tf.Tensor1D,
  weights: tf.Tensor1D | null,
  opts: { labelSmoothing?: number } = {},
): StepResult {
  const vars = modelParams(model).map((p) => p.variable);
  let correct: tf.Scalar | undefined;
  try {
    const values = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        const logits = imageLogits(model, x, true);
        // kept out of the gradient tape's scope so it can be read after the step
        correct = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, -1), y), 'float32')));
        return crossEntropy(logits, y, weights, opts.labelSmoothing ?? 0);
      }, vars);
      optimizer.applyGradients(grads);
      return tf.stack([value, correct!]);
    });
    const [loss, right] = values.dataSync();
    values.dispose();
    return { loss, correct: right };
  } finally {
    correct?.dispose();
  }
}
