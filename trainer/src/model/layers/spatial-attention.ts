import * as tf from '@tensorflow/tfjs';
import { type CallKwargs, type LayerArgs, type Shape, type Tensors, single, singleShape } from './types.js';

/**
 * Spatial attention gate: a 3x3 convolution C->1 with bias, sigmoid, and the input multiplied by
 * that per-position gate. Input and output [N,H,W,C].
 */
export class SpatialAttention extends tf.layers.Layer {
  static className = 'AmftSpatialAttention';
  private kernel!: tf.LayerVariable;
  private bias!: tf.LayerVariable;

  constructor(args: LayerArgs = {}) {
    super(args);
  }

  override build(inputShape: Shape | Shape[]): void {
    const c = singleShape(inputShape)[3];
    if (c == null) throw new Error('SpatialAttention needs a known channel count');
    this.kernel = this.addWeight('kernel', [3, 3, c, 1], 'float32', tf.initializers.heNormal({ seed: 1 }));
    this.bias = this.addWeight('bias', [1], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override call(inputs: Tensors, _kwargs: CallKwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs) as tf.Tensor4D;
      const gate = tf.sigmoid(tf.add(tf.conv2d(x, this.kernel.read() as tf.Tensor4D, 1, 'same'), this.bias.read()));
      return tf.mul(x, gate);
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(inputShape);
  }
}
tf.serialization.registerClass(SpatialAttention);
