import t from 'tap';
import * as tf from '@tensorflow/tfjs';
import { VARIANTS } from '@amft/shared';
import { buildModel } from '../../src/model/index.js';
import { randomInput, smallConfig } from './helpers.js';
import { cpuBackend } from '../cpu-backend.js';

t.before(async () => {
  await cpuBackend();
});

for (const variant of VARIANTS) {
  t.test(`${variant}: image input [N,H,W,C] -> logits [N,7]`, async (t) => {
    const cfg = smallConfig(variant, false);
    const model = buildModel(cfg);
    const x = randomInput(cfg, 2);
    const y = model.predict(x) as tf.Tensor;
    t.same(y.shape, [2, 7]);
    t.ok(Array.from(y.dataSync()).every(Number.isFinite), 'finite logits');
    tf.dispose([x, y]);
    model.dispose();
  });

  t.test(`${variant}+lstm: clip input [N,T,H,W,C] -> [N,7] and per-frame [N,T,7]`, async (t) => {
    const cfg = smallConfig(variant, true);
    const model = buildModel(cfg);
    for (const frames of [1, 3]) {
      const x = randomInput(cfg, 2, frames);
      const [seq, perFrame] = model.predict(x) as tf.Tensor[];
      t.same(seq.shape, [2, 7]);
      t.same(perFrame.shape, [2, frames, 7]);
      // the sequence prediction is the classifier applied to the last LSTM state
      const last = tf.squeeze(tf.slice(perFrame, [0, frames - 1, 0], [-1, 1, -1]), [1]);
      t.same(Array.from(seq.dataSync()), Array.from(last.dataSync()));
      tf.dispose([x, seq, perFrame, last]);
    }
    model.dispose();
  });
}
