// A few optimizer steps of every variant on the wasm backend (with the project's gradient
// kernels) lower the loss on one small fixed batch.
import t from 'tap';
import * as tf from '@tensorflow/tfjs';
import { VARIANTS } from '@amft/shared';
import { buildModel } from '../../src/model/index.js';
import { selectBackend } from '../../src/backend/select-backend.js';
import { trainStep } from '../../src/train/train-step.js';
import { randomInput, smallConfig } from './helpers.js';

t.before(async () => {
  await selectBackend('wasm');
});

const STEPS: Record<string, number> = { seed: 3, amft: 4, lite: 6 };

for (const variant of VARIANTS) {
  for (const lstm of variant === 'seed' ? [false] : [false, true]) {
    t.test(`${variant}${lstm ? '+lstm' : ''}: loss falls over ${STEPS[variant]} steps on wasm`, async (t) => {
      t.equal(tf.getBackend(), 'wasm');
      const cfg = smallConfig(variant, lstm);
      const model = buildModel(cfg);
      const optimizer = tf.train.adam(variant === 'seed' ? 1e-4 : 1e-3);
      const batch = 4;
      const x = randomInput(cfg, batch, undefined, 11);
      const y = tf.tensor1d([0, 3, 5, 6], 'int32');
      const losses: number[] = [];
      const before = tf.memory().numTensors;
      for (let s = 0; s < STEPS[variant]; s++) losses.push(trainStep(model, optimizer, x, y, null).loss);
      t.ok(losses.every(Number.isFinite), `finite losses ${losses.map((l) => l.toFixed(3))}`);
      t.ok(losses[losses.length - 1] < losses[0], `loss ${losses[0].toFixed(4)} -> ${losses[losses.length - 1].toFixed(4)}`);
      // optimizer slots are created on the first step; after that a step allocates nothing new
      const afterFirst = tf.memory().numTensors;
      trainStep(model, optimizer, x, y, null);
      t.equal(tf.memory().numTensors, afterFirst, 'a training step leaks no tensors');
      t.ok(afterFirst >= before);
      tf.dispose([x, y]);
      optimizer.dispose();
      model.dispose();
    });
  }
}
