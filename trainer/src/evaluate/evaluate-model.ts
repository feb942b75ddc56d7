import * as tf from '@tensorflow/tfjs';
import { argmax, classificationReport, expectedCalibrationError, LABELS, softmax, type ClassificationReport, type PreprocessingSpec } from '@amft/shared';
import { iterateBatches } from '../data/batch-iterator.js';
import type { BatchWorkers } from '../data/batch-workers.js';
import type { ImageDataset } from '../data/sample.js';
import type { ProgressSink } from '../progress.js';
import { imageLogits } from '../train/forward.js';

export interface Evaluation {
  report: ClassificationReport;
  /** Mean cross-entropy of the logits (no label smoothing, no class weights). */
  loss: number;
  predictions: Int32Array;
  /** softmax(logits) per sample, in dataset order (what the ECE is computed over). */
  probabilities: number[][];
}

/**
 * Runs the model over every sample in dataset order with the evaluation transform (no
 * randomness), and scores the predictions with the shared ClassificationReport code, with the
 * expected calibration error of softmax(logits).
 */
export async function evaluateModel(
  model: tf.LayersModel,
  dataset: ImageDataset,
  spec: PreprocessingSpec,
  opts: { batchSize?: number; workers?: BatchWorkers; onProgress?: ProgressSink } = {},
): Promise<Evaluation> {
  const n = dataset.samples.length;
  const predictions = new Int32Array(n);
  const probabilities: number[][] = [];
  let lossSum = 0;
  let offset = 0;
  for await (const batch of iterateBatches({ dataset, spec, batchSize: opts.batchSize ?? 128, workers: opts.workers })) {
    const logits = tf.tidy(() => imageLogits(model, tf.tensor4d(batch.x, [batch.size, spec.height, spec.width, spec.channels]), false));
    const values = await logits.data();
    logits.dispose();
    const k = values.length / batch.size;
    for (let i = 0; i < batch.size; i++) {
      predictions[offset + i] = argmax(values, i * k, k);
      probabilities.push(softmax(values, i * k, k));
      lossSum += logSumExp(values, i * k, k) - values[i * k + batch.labels[i]];
    }
    offset += batch.size;
    opts.onProgress?.(offset, n);
  }
  const labels = Int32Array.from(dataset.samples, (s) => s.label);
  const report = { ...classificationReport(labels, predictions, LABELS), ece: expectedCalibrationError(probabilities, labels) };
  return { report, loss: lossSum / n, predictions, probabilities };
}

function logSumExp(v: ArrayLike<number>, offset: number, length: number): number {
  let max = -Infinity;
  for (let i = 0; i < length; i++) max = Math.max(max, v[offset + i]);
  let sum = 0;
  for (let i = 0; i < length; i++) sum += Math.exp(v[offset + i] - max);
  return max + Math.log(sum);
}
