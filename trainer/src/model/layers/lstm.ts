import * as tf from '@tensorflow/tfjs';
import { type CallKwargs, type LayerArgs, type Shape, type Tensors, single, singleShape } from './types.js';

export interface TorchLstmArgs extends LayerArgs {
  units: number;
}

/**
 * One-layer unidirectional LSTM with PyTorch's parameterisation: input weights [D, 4H], recurrent
 * weights [H, 4H] and two biases (b_ih, b_hh), gates in the order input, forget, cell, output.
 * (Keras' LSTM has one bias, so the original project's parameter count needs this layer; the two
 * biases are also exactly ONNX LSTM's `B` = [Wb, Rb].) Zero initial state. Returns every step's
 * hidden state [N, T, H].
 */
export class TorchLstm extends tf.layers.Layer {
  static className = 'AmftTorchLstm';
  readonly units: number;
  private wIh!: tf.LayerVariable;
  private wHh!: tf.LayerVariable;
  private bIh!: tf.LayerVariable;
  private bHh!: tf.LayerVariable;

  constructor(args: TorchLstmArgs) {
    super(args);
    this.units = args.units;
  }

  override build(inputShape: Shape | Shape[]): void {
    const d = singleShape(inputShape)[2];
    if (d == null) throw new Error('TorchLstm needs a known feature width');
    const h = this.units;
    // PyTorch initialises every LSTM parameter U(-1/sqrt(H), 1/sqrt(H)).
    const bound = 1 / Math.sqrt(h);
    const init = (seed: number) => tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed });
    this.wIh = this.addWeight('w_ih', [d, 4 * h], 'float32', init(8));
    this.wHh = this.addWeight('w_hh', [h, 4 * h], 'float32', init(9));
    this.bIh = this.addWeight('b_ih', [4 * h], 'float32', init(10));
    this.bHh = this.addWeight('b_hh', [4 * h], 'float32', init(11));
    this.built = true;
  }

  override call(inputs: Tensors, _kwargs: CallKwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs) as tf.Tensor3D;
      const [n, t, d] = x.shape;
      const h = this.units;
      const bias = tf.add(this.bIh.read(), this.bHh.read());
      // All input projections in one matMul: [N*T, 4H] -> [N, T, 4H]
      const xw = tf.reshape(tf.add(tf.matMul(tf.reshape(x, [n * t, d]), this.wIh.read() as tf.Tensor2D), bias), [n, t, 4 * h]);
      // per-step slices (tfjs' Unpack gradient fails when a step's output is the only consumer)
      const steps = Array.from({ length: t }, (_, s) => tf.reshape(tf.slice(xw, [0, s, 0], [n, 1, 4 * h]), [n, 4 * h]) as tf.Tensor2D);
      let hPrev: tf.Tensor2D = tf.zeros([n, h]);
      let cPrev: tf.Tensor2D = tf.zeros([n, h]);
      const outputs: tf.Tensor2D[] = [];
      for (const z0 of steps) {
        const z = tf.add(z0, tf.matMul(hPrev, this.wHh.read() as tf.Tensor2D));
        const [i, f, g, o] = tf.split(z, 4, 1);
        cPrev = tf.add(tf.mul(tf.sigmoid(f), cPrev), tf.mul(tf.sigmoid(i), tf.tanh(g)));
        hPrev = tf.mul(tf.sigmoid(o), tf.tanh(cPrev));
        outputs.push(hPrev);
      }
      return tf.stack(outputs, 1);
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [n, t] = singleShape(inputShape);
    return [n, t, this.units];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), units: this.units };
  }
}
tf.serialization.registerClass(TorchLstm);
