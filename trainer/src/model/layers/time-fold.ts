import * as tf from '@tensorflow/tfjs';
import { type CallKwargs, type LayerArgs, type Shape, type Tensors, single, singleShape } from './types.js';

/** [N, T, ...] -> [N*T, ...]: lets the per-frame network run on every frame of a clip at once. */
export class FoldTime extends tf.layers.Layer {
  static className = 'AmftFoldTime';

  constructor(args: LayerArgs = {}) {
    super(args);
  }

  override call(inputs: Tensors, _kwargs: CallKwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs);
      return tf.reshape(x, [-1, ...x.shape.slice(2)]);
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [n, t, ...rest] = singleShape(inputShape);
    return [n != null && t != null ? n * t : null, ...rest];
  }
}

/**
 * [N*T, D] back to [N, T, D]. Takes two inputs: the folded features and the original clip
 * [N, T, ...], whose leading dims give N and T at run time.
 */
export class UnfoldTime extends tf.layers.Layer {
  static className = 'AmftUnfoldTime';

  constructor(args: LayerArgs = {}) {
    super(args);
  }

  override call(inputs: Tensors, _kwargs: CallKwargs): tf.Tensor {
    return tf.tidy(() => {
      const [features, clip] = inputs as tf.Tensor[];
      return tf.reshape(features, [clip.shape[0], clip.shape[1] as number, ...features.shape.slice(1)]);
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [features, clip] = inputShape as Shape[];
    return [clip[0], clip[1], ...features.slice(1)];
  }
}

/** [N, T, D] -> [N, D]: the last time step. */
export class LastStep extends tf.layers.Layer {
  static className = 'AmftLastStep';

  constructor(args: LayerArgs = {}) {
    super(args);
  }

  override call(inputs: Tensors, _kwargs: CallKwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs);
      const t = x.shape[1] as number;
      return tf.squeeze(tf.slice(x, [0, t - 1, 0], [-1, 1, -1]), [1]);
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape);
    return [s[0], ...s.slice(2)];
  }
}

tf.serialization.registerClass(FoldTime);
tf.serialization.registerClass(UnfoldTime);
tf.serialization.registerClass(LastStep);
