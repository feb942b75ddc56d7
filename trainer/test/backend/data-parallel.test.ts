// The worker_threads data-parallel trainer: replicas stay identical, and splitting a batch over
// workers gives the same training trajectory as one worker (up to float summation order).
import t from 'tap';
import * as tf from '@tensorflow/tfjs';
import { fileURLToPath } from 'node:url';
import { DataParallelTrainer, type Batch, type DataParallelOptions } from '../../src/backend/data-parallel.js';
import { buildTinyNet, type TinyNetConfig } from './fixtures/tiny-net.js';
import { cpuBackend } from '../cpu-backend.js';

const fixture = fileURLToPath(new URL('./fixtures/tiny-net.ts', import.meta.url));

const B = 8;
const x = Float32Array.from({ length: B * 64 }, (_, i) => Math.sin(i * 0.37));
const oneHot = new Float32Array(B * 3);
for (let i = 0; i < B; i++) oneHot[i * 3 + (i % 3)] = 1;
const labels = Int32Array.from({ length: B }, (_, i) => i % 3);
const weights = Float32Array.from({ length: B }, (_, i) => 0.5 + (i % 4) * 0.25);

async function train(workers: number, config: TinyNetConfig, opts: Partial<DataParallelOptions>, batch: Batch, steps: number) {
  const trainer = await DataParallelTrainer.create({ model: { module: fixture, exportName: 'buildTinyNet', config }, workers, optimizer: { name: 'adam', learningRate: 0.01 }, ...opts });
  try {
    const results = [];
    for (let i = 0; i < steps; i++) results.push(await trainer.step(batch));
    return { results, weights: await trainer.getWeights(), divergence: await trainer.maxReplicaDivergence() };
  } finally {
    await trainer.terminate();
  }
}

function maxDiff(a: Array<{ values: Float32Array }>, b: Array<{ values: Float32Array }>): number {
  let m = 0;
  a.forEach((w, k) => w.values.forEach((v, j) => (m = Math.max(m, Math.abs(v - b[k].values[j])))));
  return m;
}

t.test('two workers follow the single-worker trajectory', async (t) => {
  const config = { classes: 3, batchNorm: false, logits: false };
  const batch = { x, xShape: [B, 8, 8, 1], y: oneHot, yShape: [B, 3] };
  const one = await train(1, config, {}, batch, 3);
  const two = await train(2, config, {}, batch, 3);
  t.equal(two.divergence, 0, 'replicas identical');
  one.results.forEach((r, i) => {
    t.ok(Math.abs(r.loss - two.results[i].loss) < 1e-4, `step ${i}: loss ${two.results[i].loss} vs ${r.loss}`);
    t.equal(two.results[i].correct, r.correct, `step ${i}: correct`);
  });
  t.ok(one.results[2].loss < one.results[0].loss, 'loss decreases');
  t.ok(maxDiff(one.weights, two.weights) < 1e-4, 'weights agree');
});

t.test('integer labels, sample weights, label smoothing, custom optimizer factory', async (t) => {
  const config = { classes: 3, batchNorm: false, logits: true };
  const opts: Partial<DataParallelOptions> = {
    loss: { name: 'sparseSoftmaxCrossEntropy', labelSmoothing: 0.1 },
    optimizer: { module: fixture, exportName: 'buildSgd', config: { learningRate: 0.1 } },
  };
  const batch = { x, xShape: [B, 8, 8, 1], y: labels, yShape: [B], weights };
  const one = await train(1, config, opts, batch, 2);
  const two = await train(2, config, opts, batch, 2);
  // reference loss of the first step, computed directly
  cpuBackend();
  const model = buildTinyNet(config);
  const ref = tf.tidy(() => {
    const logits = model.apply(tf.tensor(x, [B, 8, 8, 1]), { training: true }) as tf.Tensor;
    const target = tf.add(tf.mul(tf.oneHot(tf.tensor1d(labels, 'int32'), 3), 0.9), 0.1 / 3);
    const per = tf.neg(tf.sum(tf.mul(target, tf.logSoftmax(logits)), -1));
    return tf.div(tf.sum(tf.mul(per, tf.tensor1d(weights))), tf.sum(tf.tensor1d(weights))).dataSync()[0];
  });
  model.dispose();
  t.ok(Math.abs(one.results[0].loss - ref) < 1e-4, `weighted, smoothed loss ${one.results[0].loss} vs ${ref}`);
  one.results.forEach((r, i) => t.ok(Math.abs(r.loss - two.results[i].loss) < 1e-4, `step ${i}: 2 workers ${two.results[i].loss} vs ${r.loss}`));
  t.ok(maxDiff(one.weights, two.weights) < 1e-4, 'weights agree');
});

t.test('batch-norm replicas stay in sync; weights, optimizer state and lr round-trip', async (t) => {
  const config = { classes: 3, batchNorm: true, logits: false };
  const trainer = await DataParallelTrainer.create({ model: { module: fixture, exportName: 'buildTinyNet', config }, workers: 2 });
  try {
    const full = { x, xShape: [B, 8, 8, 1], y: oneHot, yShape: [B, 3] };
    for (let i = 0; i < 2; i++) await trainer.step(full);
    // odd batch, and a batch smaller than the worker count
    await trainer.step({ x: x.subarray(0, 5 * 64), xShape: [5, 8, 8, 1], y: oneHot.subarray(0, 15), yShape: [5, 3] });
    await trainer.step({ x: x.subarray(0, 64), xShape: [1, 8, 8, 1], y: oneHot.subarray(0, 3), yShape: [1, 3] });
    t.equal(await trainer.maxReplicaDivergence(), 0, 'replicas identical, moving statistics included');
    cpuBackend();
    const local = buildTinyNet(config);
    await trainer.loadInto(local);
    const remote = await trainer.getWeights();
    local.getWeights().forEach((w, k) => t.same(Array.from(w.dataSync()), Array.from(remote[k].values), `weight ${k}`));
    local.dispose();
    const opt = await trainer.getOptimizerWeights();
    t.ok(opt.length > 0 && opt.every((w) => typeof w.name === 'string'), `optimizer state: ${opt.length} named tensors`);
    await trainer.setOptimizerWeights(opt);
    await trainer.setWeights(remote);
    await trainer.setLearningRate(0);
    const before = await trainer.getWeights();
    const r = await trainer.step(full);
    t.ok(Number.isFinite(r.loss) && r.correct >= 0 && r.correct <= B, `step result ${JSON.stringify(r)}`);
    const after = await trainer.getWeights();
    // lr 0: trainable weights unchanged (moving statistics still update)
    t.equal(maxDiff(before.slice(0, 2), after.slice(0, 2)), 0, 'lr 0 leaves the conv kernel and bias alone');
    t.equal(await trainer.maxReplicaDivergence(), 0, 'still identical');
  } finally {
    await trainer.terminate();
  }
});

t.test('a worker error reaches the caller; the workers go on and close', async (t) => {
  const model = { module: fixture, exportName: 'buildTinyNet', config: { classes: 3, batchNorm: false, logits: false } };
  await t.rejects(DataParallelTrainer.create({ model: { ...model, exportName: 'missing' }, workers: 2 }), /has no function export 'missing'/, 'a worker that cannot build its model fails create');
  const trainer = await DataParallelTrainer.create({ model, workers: 2 });
  try {
    // 64 values a row, declared as 4x4x1 (16): each worker's tensor has the wrong size
    await t.rejects(trainer.step({ x, xShape: [B, 4, 4, 1], y: oneHot, yShape: [B, 3] }), /shape/, 'a failed step rejects with the worker\'s error');
    const r = await trainer.step({ x, xShape: [B, 8, 8, 1], y: oneHot, yShape: [B, 3] });
    t.ok(Number.isFinite(r.loss), `the next step trains: loss ${r.loss}`);
    t.equal(await trainer.maxReplicaDivergence(), 0, 'replicas identical');
  } finally {
    await trainer.terminate();
  }
  await t.rejects(trainer.getWeights(), /closed/, 'a closed trainer refuses calls');
});
