import * as tf from '@tensorflow/tfjs';
import { seededDropout } from '../seeded-random.js';
import { type CallKwargs, type LayerArgs, type Shape, type Tensors, single, singleShape } from './types.js';

export interface MultiHeadSelfAttentionArgs extends LayerArgs {
  heads: number;
  /** Dropout on the attention weights during training (PyTorch's MultiheadAttention dropout). */
  dropout?: number;
}

/**
 * Multi-head self-attention as in PyTorch's nn.MultiheadAttention: one packed input projection
 * [d, 3d] with bias (q, k, v in that order), scaled dot-product attention per head, and an output
 * projection [d, d] with bias. Input and output [N, L, d].
 */
export class MultiHeadSelfAttention extends tf.layers.Layer {
  static className = 'AmftMultiHeadSelfAttention';
  readonly heads: number;
  readonly dropout: number;
  private inKernel!: tf.LayerVariable;
  private inBias!: tf.LayerVariable;
  private outKernel!: tf.LayerVariable;
  private outBias!: tf.LayerVariable;

  constructor(args: MultiHeadSelfAttentionArgs) {
    super(args);
    this.heads = args.heads;
    this.dropout = args.dropout ?? 0;
  }

  override build(inputShape: Shape | Shape[]): void {
    const d = singleShape(inputShape)[2];
    if (d == null) throw new Error('MultiHeadSelfAttention needs a known model width');
    if (d % this.heads !== 0) throw new Error(`model width ${d} is not divisible by ${this.heads} heads`);
    this.inKernel = this.addWeight('in_kernel', [d, 3 * d], 'float32', tf.initializers.glorotUniform({ seed: 4 }));
    this.inBias = this.addWeight('in_bias', [3 * d], 'float32', tf.initializers.zeros());
    this.outKernel = this.addWeight('out_kernel', [d, d], 'float32', tf.initializers.glorotUniform({ seed: 5 }));
    this.outBias = this.addWeight('out_bias', [d], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override call(inputs: Tensors, kwargs: CallKwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs) as tf.Tensor3D;
      const [n, l, d] = x.shape;
      const h = this.heads;
      const dh = d / h;
      const qkv = tf.add(tf.matMul(tf.reshape(x, [n * l, d]), this.inKernel.read() as tf.Tensor2D), this.inBias.read());
      // [n*l, 3d] -> [3, n, h, l, dh]
      const split = tf.transpose(tf.reshape(qkv, [n, l, 3, h, dh]), [2, 0, 3, 1, 4]);
      const [q, k, v] = tf.unstack(split, 0) as tf.Tensor4D[];
      const scores = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(dh));
      let weights = tf.softmax(scores, -1);
      if (kwargs.training === true && this.dropout > 0) weights = seededDropout(weights, this.dropout);
      const attended = tf.matMul(weights, v); // [n, h, l, dh]
      const merged = tf.reshape(tf.transpose(attended, [0, 2, 1, 3]), [n * l, d]);
      const out = tf.add(tf.matMul(merged, this.outKernel.read() as tf.Tensor2D), this.outBias.read());
      return tf.reshape(out, [n, l, d]);
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(inputShape);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), heads: this.heads, dropout: this.dropout };
  }
}
tf.serialization.registerClass(MultiHeadSelfAttention);
