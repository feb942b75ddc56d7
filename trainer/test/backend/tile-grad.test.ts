import t from 'tap';
import * as tf from '@tensorflow/tfjs';
import { registerFastGradients } from '../../src/backend/gradients/tile-grad.js';
import { selectBackend } from '../../src/backend/select-backend.js';

/** Reference: d/dx sum(tile(x, reps) * w) = sum of w over every copy of each x element. */
function reference(xShape: number[], reps: number[], w: Float32Array): Float32Array {
  const outShape = xShape.map((d, i) => d * reps[i]);
  const out = new Float32Array(xShape.reduce((a, b) => a * b, 1));
  const outStrides = outShape.map((_, i) => outShape.slice(i + 1).reduce((a, b) => a * b, 1));
  const xStrides = xShape.map((_, i) => xShape.slice(i + 1).reduce((a, b) => a * b, 1));
  for (let flat = 0; flat < w.length; flat++) {
    let xi = 0;
    outStrides.forEach((s, axis) => {
      const coord = Math.floor(flat / s) % outShape[axis];
      xi += (coord % xShape[axis]) * xStrides[axis];
    });
    out[xi] += w[flat];
  }
  return out;
}

t.test('the reshape+sum Tile gradient matches a direct reference on cpu and wasm', async (t) => {
  registerFastGradients();
  for (const backend of ['cpu', 'wasm'] as const) {
    await selectBackend(backend);
    for (const [shape, reps] of [
      [[1, 1, 5], [4, 3, 1]],
      [[2, 3], [3, 2]],
      [[2, 1, 3, 2], [1, 4, 1, 2]],
      [[3], [5]],
    ] as const) {
      const x = tf.randomNormal([...shape], 0, 1, 'float32', 1);
      const outShape = shape.map((d, i) => d * reps[i]);
      const w = tf.randomNormal(outShape, 0, 1, 'float32', 2);
      const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.tile(v, [...reps]), w)))(x);
      const expected = reference([...shape], [...reps], w.dataSync() as Float32Array);
      const got = g.dataSync();
      const diff = Math.max(...Array.from(got, (v, i) => Math.abs(v - expected[i])));
      t.ok(diff < 1e-5, `${backend} ${JSON.stringify(shape)} x ${JSON.stringify(reps)}: max diff ${diff}`);
      tf.dispose([x, w, g]);
    }
  }
});
