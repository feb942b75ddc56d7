import * as tf from '@tensorflow/tfjs';
import { type CallKwargs, type LayerArgs, type Shape, type Tensors, single, singleShape } from './types.js';

export interface NearestUpsampleArgs extends LayerArgs {
  factor: number;
}

/**
 * Nearest-neighbour upsampling by an integer factor, written as reshapes and tiles so its
 * gradient uses only fast kernels on every backend (and exports to Reshape/Expand in ONNX).
 */
export class NearestUpsample extends tf.layers.Layer {
  static className = 'AmftNearestUpsample';
  readonly factor: number;

  constructor(args: NearestUpsampleArgs) {
    super(args);
    if (!Number.isInteger(args.factor) || args.factor < 1) throw new Error(`upsampling factor must be a positive integer, got ${args.factor}`);
    this.factor = args.factor;
  }

  override call(inputs: Tensors, _kwargs: CallKwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs) as tf.Tensor4D;
      const [n, h, w, c] = x.shape;
      const f = this.factor;
      // Two rank-4 tiles (tfjs has tile gradients only up to rank 5): repeat along the width,
      // then repeat each widened row along the height.
      const wide = tf.tile(tf.reshape(x, [n * h, w, 1, c]), [1, 1, f, 1]);
      const tall = tf.tile(tf.reshape(wide, [n, h, 1, w * f * c]), [1, 1, f, 1]);
      return tf.reshape(tall, [n, h * f, w * f, c]);
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [n, h, w, c] = singleShape(inputShape);
    return [n, h == null ? null : h * this.factor, w == null ? null : w * this.factor, c];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), factor: this.factor };
  }
}
tf.serialization.registerClass(NearestUpsample);
