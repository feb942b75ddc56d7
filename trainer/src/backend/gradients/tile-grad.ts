import * as tf from '@tensorflow/tfjs';

/**
 * Gradient of Tile as one reshape + sum: dy [r0*d0, r1*d1, ...] viewed as [r0, d0, r1, d1, ...]
 * and summed over the repeat axes. tfjs' own Tile gradient adds one slice per repetition (a
 * [1,1,C] tile to [N,L,C], as LayerNormalization does with its scale and offset, costs N*L
 * slices and adds per step), which dominated the lite model's training step.
 */
export const tileGradConfig: tf.GradConfig = {
  kernelName: tf.Tile,
  inputsToSave: ['x'],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
    const [x] = saved;
    const { reps } = attrs as unknown as tf.TileAttrs;
    const grad = dy as tf.Tensor;
    return {
      x: () => {
        const expanded: number[] = [];
        const repeatAxes: number[] = [];
        x.shape.forEach((d, i) => {
          repeatAxes.push(expanded.length);
          expanded.push(reps[i], d);
        });
        return tf.reshape(tf.sum(tf.reshape(grad, expanded), repeatAxes), x.shape);
      },
    };
  },
};

let registered = false;

/** Replaces tfjs' Tile gradient (global, for every backend). Idempotent. */
export function registerFastGradients(): void {
  if (registered) return;
  tf.registerGradient(tileGradConfig);
  registered = true;
}
