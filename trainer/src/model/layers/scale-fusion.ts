import * as tf from '@tensorflow/tfjs';
import type { CallKwargs, LayerArgs, Shape, Tensors } from './types.js';

/**
 * Adaptive multi-scale fusion: S feature maps of one shape [N,H,W,d] (already projected to one
 * width and resampled to one grid) are summed with input-dependent weights. The weights come from
 * the maps themselves: global average pool of each, concatenated [N, S*d], a dense layer to S
 * logits, softmax over scales. Output [N,H,W,d].
 */
export class AdaptiveScaleFusion extends tf.layers.Layer {
  static className = 'AmftAdaptiveScaleFusion';
  private kernel!: tf.LayerVariable;
  private bias!: tf.LayerVariable;

  constructor(args: LayerArgs = {}) {
    super(args);
  }

  override build(inputShape: Shape | Shape[]): void {
    const shapes = inputShape as Shape[];
    if (!Array.isArray(shapes[0]) || shapes.length < 2) throw new Error('AdaptiveScaleFusion takes a list of at least two maps');
    const d = shapes[0][3];
    if (d == null) throw new Error('AdaptiveScaleFusion needs a known width');
    for (const s of shapes) {
      if (s.slice(1).join() !== shapes[0].slice(1).join()) throw new Error(`AdaptiveScaleFusion inputs differ in shape: ${JSON.stringify(shapes)}`);
    }
    const scales = shapes.length;
    this.kernel = this.addWeight('kernel', [scales * d, scales], 'float32', tf.initializers.glorotUniform({ seed: 7 }));
    this.bias = this.addWeight('bias', [scales], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override call(inputs: Tensors, _kwargs: CallKwargs): tf.Tensor {
    return tf.tidy(() => {
      const maps = inputs as tf.Tensor4D[];
      const pooled = tf.concat(maps.map((m) => tf.mean(m, [1, 2])), 1) as tf.Tensor2D;
      const weights = tf.softmax(tf.add(tf.matMul(pooled, this.kernel.read() as tf.Tensor2D), this.bias.read()), -1);
      const parts = tf.unstack(weights, 1);
      let fused: tf.Tensor = tf.mul(maps[0], tf.reshape(parts[0], [-1, 1, 1, 1]));
      for (let i = 1; i < maps.length; i++) fused = tf.add(fused, tf.mul(maps[i], tf.reshape(parts[i], [-1, 1, 1, 1])));
      return fused;
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return (inputShape as Shape[])[0];
  }
}
tf.serialization.registerClass(AdaptiveScaleFusion);
