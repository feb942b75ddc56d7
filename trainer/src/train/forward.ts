import * as tf from '@tensorflow/tfjs';

/**
 * Image logits [N, K] from a batch of images [N, H, W, C]. A sequence model (input [N, T, H, W, C],
 * outputs [logits, frame logits], the LSTM variant) sees each image as a clip of one frame.
 */
export function imageLogits(model: tf.LayersModel, x: tf.Tensor, training: boolean): tf.Tensor {
  const isSequence = model.inputs[0].shape.length === 5;
  const input = isSequence ? tf.expandDims(x, 1) : x;
  const out = model.apply(input, { training }) as tf.Tensor | tf.Tensor[];
  return Array.isArray(out) ? out[0] : out;
}
