import * as tf from '@tensorflow/tfjs';
import { type CallKwargs, type LayerArgs, type Shape, type Tensors, single, singleShape } from './types.js';

/** Learned positional embedding [L, d] added to a token sequence [N, L, d]. */
export class PositionalEmbedding extends tf.layers.Layer {
  static className = 'AmftPositionalEmbedding';
  private table!: tf.LayerVariable;

  constructor(args: LayerArgs = {}) {
    super(args);
  }

  override build(inputShape: Shape | Shape[]): void {
    const [, l, d] = singleShape(inputShape);
    if (l == null || d == null) throw new Error('PositionalEmbedding needs a known token count and width');
    this.table = this.addWeight('embedding', [l, d], 'float32', tf.initializers.truncatedNormal({ stddev: 0.02, seed: 6 }));
    this.built = true;
  }

  override call(inputs: Tensors, _kwargs: CallKwargs): tf.Tensor {
    return tf.tidy(() => tf.add(single(inputs), this.table.read()));
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(inputShape);
  }
}
tf.serialization.registerClass(PositionalEmbedding);
