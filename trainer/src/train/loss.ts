import * as tf from '@tensorflow/tfjs';

/**
 * Softmax cross-entropy of logits [N,K] against integer labels [N] or soft targets [N,K] (rows
 * summing to 1: mixup, cutmix), one value per row, with label smoothing (targets (1 - s) on the
 * target plus s / K everywhere). `logitAdjustment` [K] (logitAdjustment below) is added to the
 * logits first: the logit-adjusted loss, for training only.
 */
export function perSampleCrossEntropy(logits: tf.Tensor, labels: tf.Tensor, labelSmoothing = 0, logitAdjustment: ArrayLike<number> | null = null): tf.Tensor1D {
  return tf.tidy(() => {
    const k = logits.shape[logits.shape.length - 1]!;
    const adjusted = logitAdjustment ? tf.add(logits, tf.tensor1d(Array.from(logitAdjustment))) : logits;
    const logp = tf.logSoftmax(adjusted);
    let target: tf.Tensor = labels.rank === 2 ? labels.toFloat() : tf.oneHot(labels as tf.Tensor1D, k).toFloat();
    if (labelSmoothing > 0) target = tf.add(tf.mul(target, 1 - labelSmoothing), labelSmoothing / k);
    return tf.neg(tf.sum(tf.mul(target, logp), -1)) as tf.Tensor1D;
  });
}

/**
 * The logit adjustment of Menon et al. (ICLR 2021), tau * log(prior) per class, with the prior
 * from the training-set class counts (an absent class counted once, so its term stays finite);
 * null when tau is 0 (the plain loss).
 */
export function logitAdjustment(counts: readonly number[], tau: number): number[] | null {
  if (tau === 0) return null;
  const clamped = counts.map((c) => Math.max(c, 1));
  const total = clamped.reduce((a, b) => a + b, 0);
  return clamped.map((c) => tau * Math.log(c / total));
}

/** perSampleCrossEntropy with its smoothing bound: the loss data-parallel workers import by name. */
export function smoothedCrossEntropy(config: { labelSmoothing?: number; logitAdjustment?: number[] | null }): (logits: tf.Tensor, labels: tf.Tensor) => tf.Tensor {
  return (logits, labels) => perSampleCrossEntropy(logits, labels, config.labelSmoothing ?? 0, config.logitAdjustment ?? null);
}

/**
 * Mean of perSampleCrossEntropy, with optional per-sample weights; weighted, the mean is
 * sum(w * loss) / sum(w). `labels`: integer labels [N] or soft targets [N,K].
 */
export function crossEntropy(logits: tf.Tensor, labels: tf.Tensor, weights: tf.Tensor1D | null, labelSmoothing = 0, logitAdjustment: ArrayLike<number> | null = null): tf.Scalar {
  return tf.tidy(() => {
    const perSample = perSampleCrossEntropy(logits, labels, labelSmoothing, logitAdjustment);
    if (!weights) return tf.mean(perSample) as tf.Scalar;
    return tf.div(tf.sum(tf.mul(perSample, weights)), tf.maximum(tf.sum(weights), 1e-12)) as tf.Scalar;
  });
}
