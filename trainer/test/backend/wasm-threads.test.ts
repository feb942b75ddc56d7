// The threaded wasm build under Node (own process: the thread count is fixed at first init).
import t from 'tap';
import * as tf from '@tensorflow/tfjs';
import { pino } from 'pino';
import { selectBackend } from '../../src/backend/select-backend.js';
import { cpuBackend } from '../cpu-backend.js';

t.test('selectBackend loads the threaded wasm build with 2 XNNPACK threads', async (t) => {
  const sel = await selectBackend('wasm', pino({ level: 'silent' }), { wasmThreads: 2 });
  t.equal(sel.name, 'wasm');
  t.equal(sel.wasm?.threads, 2, 'XNNPACK pool of 2 threads');
  const x = tf.randomNormal([2, 9, 9, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
  const f = tf.randomNormal([3, 3, 3, 5], 0, 1, 'float32', 2) as tf.Tensor4D;
  const dy = tf.randomNormal([2, 5, 5, 5], 0, 1, 'float32', 3) as tf.Tensor4D;
  const run = () => [tf.conv2d(x, f, 2, 'same'), tf.conv2dTranspose(dy, f, x.shape, 2, 'same'), tf.matMul(tf.reshape(x, [18, 27]), tf.reshape(x, [27, 18]))].map((y) => Array.from(y.dataSync()));
  const threaded = tf.tidy(run);
  cpuBackend();
  const reference = tf.tidy(run);
  reference.forEach((want, i) => {
    const scale = Math.max(...want.map(Math.abs));
    const err = Math.max(...want.map((v, j) => Math.abs(v - threaded[i][j]))) / scale;
    t.ok(err < 1e-4, `result ${i} matches cpu (rel err ${err.toExponential(2)})`);
  });
  await t.rejects(selectBackend('wasm', pino({ level: 'silent' }), { wasmThreads: 3 }), /already running with 2 threads/);
});
