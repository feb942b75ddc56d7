import type * as tf from '@tensorflow/tfjs';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology.js';

export type { LayerArgs };
/** A layer's symbolic shape: null for unknown dims (batch, time). */
export type Shape = Array<number | null>;
/** tfjs-layers passes `training` (and masks) through kwargs. */
export interface CallKwargs {
  training?: boolean;
  [key: string]: unknown;
}
export type Tensors = tf.Tensor | tf.Tensor[];

export function single(inputs: Tensors): tf.Tensor {
  return Array.isArray(inputs) ? inputs[0] : inputs;
}

export function singleShape(shape: Shape | Shape[]): Shape {
  return Array.isArray(shape[0]) || shape[0] === undefined ? ((shape as Shape[])[0] ?? []) : (shape as Shape);
}
