import * as tf from '@tensorflow/tfjs';
import { type CallKwargs, type LayerArgs, type Shape, type Tensors, single, singleShape } from './types.js';

export interface ChannelAttentionArgs extends LayerArgs {
  /** Width of the bottleneck (the original project: 128 for 2048 channels). */
  hidden: number;
}

/**
 * Channel attention gate (squeeze-and-excitation): global average pool, dense C->hidden without
 * bias, ReLU, dense hidden->C without bias, sigmoid, and the input multiplied per channel.
 */
export class ChannelAttention extends tf.layers.Layer {
  static className = 'AmftChannelAttention';
  readonly hidden: number;
  private squeeze!: tf.LayerVariable;
  private excite!: tf.LayerVariable;

  constructor(args: ChannelAttentionArgs) {
    super(args);
    this.hidden = args.hidden;
  }

  override build(inputShape: Shape | Shape[]): void {
    const c = singleShape(inputShape)[3];
    if (c == null) throw new Error('ChannelAttention needs a known channel count');
    this.squeeze = this.addWeight('squeeze', [c, this.hidden], 'float32', tf.initializers.glorotUniform({ seed: 2 }));
    this.excite = this.addWeight('excite', [this.hidden, c], 'float32', tf.initializers.glorotUniform({ seed: 3 }));
    this.built = true;
  }

  override call(inputs: Tensors, _kwargs: CallKwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs) as tf.Tensor4D;
      const pooled = tf.mean(x, [1, 2]) as tf.Tensor2D;
      const h = tf.relu(tf.matMul(pooled, this.squeeze.read() as tf.Tensor2D));
      const gate = tf.sigmoid(tf.matMul(h, this.excite.read() as tf.Tensor2D));
      return tf.mul(x, tf.reshape(gate, [-1, 1, 1, this.excite.shape[1] as number]));
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(inputShape);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), hidden: this.hidden };
  }
}
tf.serialization.registerClass(ChannelAttention);
