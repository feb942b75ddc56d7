import { existsSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import t from 'tap';
import { AdamW } from '../../src/train/adamw.js';
import { loadCheckpoint, restoreModelWeights, saveCheckpoint, type TrainState } from '../../src/train/checkpoint.js';
import { fileIO, readModelWeights } from '../../src/train/fs-model-io.js';
import { modelParams } from '../../src/train/param-optimizer.js';
import { TrainConfig } from '../../src/train/train-config.js';
import { tempDir } from '../data/fixtures.js';
import { TINY_SPEC, tinyModel, weightsOf } from './tiny-model.js';
import { cpuBackend } from '../cpu-backend.js';

await cpuBackend();

const input = () => tf.randomUniform([2, 16, 16, 1], -1, 1, 'float32', 5);

t.test('fileIO saves model.json + weights.bin and loads them back', async (t) => {
  const dir = await tempDir(t);
  const model = tinyModel(3);
  const result = await model.save(fileIO(join(dir, 'm')));
  t.ok(result.modelArtifactsInfo.weightDataBytes! > 0);
  t.ok(existsSync(join(dir, 'm', 'model.json')) && existsSync(join(dir, 'm', 'weights.bin')));
  const loaded = await tf.loadLayersModel(fileIO(join(dir, 'm')));
  const x = input();
  t.same((loaded.predict(x) as tf.Tensor).dataSync(), (model.predict(x) as tf.Tensor).dataSync());

  const fresh = tinyModel(9);
  restoreModelWeights(fresh, await readModelWeights(join(dir, 'm')));
  t.same(weightsOf(fresh), weightsOf(model), 'weights restore by position into a fresh build');
  const other = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
  t.throws(() => restoreModelWeights(other, [{ name: 'w', tensor: tf.zeros([1]) }]), /not the same architecture/);
  t.throws(() => restoreModelWeights(other, [{ name: 'w', tensor: tf.zeros([2, 3]) }, { name: 'b', tensor: tf.zeros([2]) }]), /has shape \[2,3\]/);
});

function state(epoch: number): TrainState {
  return {
    version: 1,
    epoch,
    batch: 0,
    globalStep: epoch * 4,
    running: { lossSum: 0, correct: 0, seen: 0, seconds: 0 },
    history: [],
    best: null,
    rng: { kind: 'sfc32-derived', seed: 1 },
    config: TrainConfig.parse({}),
    model: { variant: 'lite', lstm: false, preprocessing: TINY_SPEC },
    trainCounts: [1, 0, 0, 1, 0, 0, 0],
    backend: 'cpu',
    savedAt: '',
  };
}

t.test('checkpoints replace each other atomically and survive a kill between the renames', async (t) => {
  const dir = join(await tempDir(t), 'last');
  const model = tinyModel();
  const opt = new AdamW(modelParams(model), { learningRate: 0.1, weightDecay: 0 });
  tf.tidy(() => opt.applyGradients(Object.fromEntries(modelParams(model).map((p) => [p.variable.name, tf.onesLike(p.variable)]))));
  await saveCheckpoint(dir, { model, optimizer: opt, state: state(1) });
  await saveCheckpoint(dir, { model, optimizer: opt, state: state(2) });
  let c = await loadCheckpoint(dir);
  t.equal(c.state.epoch, 2);
  t.equal(c.weights.length, 4);
  t.equal(c.optimizer!.length, 1 + 2 * 4, 'iterations + m and v of 4 params');
  t.same(c.optimizer!.map((w) => w.name).slice(0, 3), ['iter', 'm/0', 'm/1']);

  // a kill after `dir` was moved aside but before the new one took its place
  await rename(dir, `${dir}.old`);
  c = await loadCheckpoint(dir);
  t.equal(c.dir, `${dir}.old`);
  t.equal(c.state.epoch, 2);
  await saveCheckpoint(dir, { model, state: state(3) });
  c = await loadCheckpoint(dir);
  t.equal(c.dir, dir);
  t.equal(c.state.epoch, 3);
  t.equal(c.optimizer, undefined, 'saved without optimizer state');
  t.notOk(existsSync(`${dir}.old`));
  await t.rejects(loadCheckpoint(join(dir, 'nothing')), /no checkpoint there/);
});
