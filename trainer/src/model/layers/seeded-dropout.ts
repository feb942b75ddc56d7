import * as tf from '@tensorflow/tfjs';
import { seededDropout } from '../seeded-random.js';
import { type CallKwargs, type LayerArgs, type Shape, type Tensors, single, singleShape } from './types.js';

export interface SeededDropoutArgs extends LayerArgs {
  rate: number;
}

/**
 * tf.layers.dropout with masks from the training step's seeded stream (model/seeded-random.ts).
 * It serialises as a stock 'Dropout' (the identity at inference), so saved topologies and the
 * ONNX exporter see what they always saw; it is deliberately not registered under that name.
 */
export class SeededDropout extends tf.layers.Layer {
  static className = 'Dropout';
  readonly rate: number;

  constructor(args: SeededDropoutArgs) {
    super(args);
    if (!(args.rate >= 0 && args.rate < 1)) throw new Error(`dropout rate must be in [0, 1), got ${args.rate}`);
    this.rate = args.rate;
    this.supportsMasking = true;
  }

  override call(inputs: Tensors, kwargs: CallKwargs): tf.Tensor {
    const x = single(inputs);
    return kwargs.training === true ? seededDropout(x, this.rate) : x;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(inputShape);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate };
  }
}
