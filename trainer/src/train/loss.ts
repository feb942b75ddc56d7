import * as tf from '@tensorflow/tfjs';

/**
 * Softmax cross-entropy of logits [N,K] against integer labels [N], one value per row, with label
 * smoothing (targets (1 - s) on the true class plus s / K everywhere).
 */
export function perSampleCrossEntropy(logits: tf.Tensor, labels: tf.Tensor1D, labelSmoothing = 0): tf.Tensor1D {
  return tf.tidy(() => {
    const k = logits.shape[logits.shape.length - 1]!;
    const logp = tf.logSoftmax(logits);
    let target: tf.Tensor = tf.oneHot(labels, k).toFloat();
    if (labelSmoothing > 0) target = tf.add(tf.mul(target, 1 - labelSmoothing), labelSmoothing / k);
    return tf.neg(tf.sum(tf.mul(target, logp), -1)) as tf.Tensor1D;
  });
}

/** perSampleCrossEntropy with its smoothing bound: the loss data-parallel workers import by name. */
export function smoothedCrossEntropy(config: { labelSmoothing?: number }): (logits: tf.Tensor, labels: tf.Tensor) => tf.Tensor {
  return (logits, labels) => perSampleCrossEntropy(logits, labels as tf.Tensor1D, config.labelSmoothing ?? 0);
}

/**
 * Mean of perSampleCrossEntropy, with optional per-sample weights; weighted, the mean is
 * sum(w * loss) / sum(w).
 */
export function crossEntropy(logits: tf.Tensor, labels: tf.Tensor1D, weights: tf.Tensor1D | null, labelSmoothing = 0): tf.Scalar {
  return tf.tidy(() => {
    const perSample = perSampleCrossEntropy(logits, labels, labelSmoothing);
    if (!weights) return tf.mean(perSample) as tf.Scalar;
    return tf.div(tf.sum(tf.mul(perSample, weights)), tf.maximum(tf.sum(weights), 1e-12)) as tf.Scalar;
  });
}
