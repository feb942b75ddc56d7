import * as tf from '@tensorflow/tfjs';
import t from 'tap';
import { AdamW } from '../../src/train/adamw.js';
import { crossEntropy } from '../../src/train/loss.js';
import { learningRateAt } from '../../src/train/lr-schedule.js';
import { modelParams, type Param } from '../../src/train/param-optimizer.js';
import { SgdMomentum } from '../../src/train/sgd-momentum.js';
import { trainStep } from '../../src/train/train-step.js';
import { evaluateModel } from '../../src/evaluate/evaluate-model.js';
import { brightDark, TINY_SPEC, tinyModel } from './tiny-model.js';
import { cpuBackend } from '../cpu-backend.js';

await cpuBackend();

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5) => Array.from(a).every((v, i) => Math.abs(v - b[i]) <= tol);

function params(): { kernel: tf.Variable; bias: tf.Variable; list: Param[] } {
  const kernel = tf.variable(tf.tensor2d([[1, -2], [3, 0.5]]), true);
  const bias = tf.variable(tf.tensor1d([0.5, -1]), true);
  return { kernel, bias, list: [{ variable: kernel, decay: true }, { variable: bias, decay: false }] };
}

const GRADS = [
  [[[0.1, -0.2], [0.3, 0.05]], [0.2, -0.1]],
  [[[-0.3, 0.1], [0.2, 0.2]], [0.05, 0.3]],
  [[[0.0, 0.4], [-0.1, 0.1]], [-0.2, 0.1]],
] as const;

function feed(opt: tf.Optimizer, kernel: tf.Variable, bias: tf.Variable, from = 0, to: number = GRADS.length): void {
  for (const [gk, gb] of GRADS.slice(from, to)) {
    tf.tidy(() => opt.applyGradients({ [kernel.name]: tf.tensor2d(gk as unknown as number[][]), [bias.name]: tf.tensor1d(gb as unknown as number[]) }));
  }
}

t.test('AdamW without weight decay is Adam', async (t) => {
  const a = params();
  const b = params();
  feed(new AdamW(a.list, { learningRate: 0.01, weightDecay: 0 }), a.kernel, a.bias);
  feed(tf.train.adam(0.01, 0.9, 0.999, 1e-8), b.kernel, b.bias);
  t.ok(close(a.kernel.dataSync(), b.kernel.dataSync()));
  t.ok(close(a.bias.dataSync(), b.bias.dataSync()));
});

t.test('weight decay is decoupled and applies to kernels only', async (t) => {
  const { kernel, bias, list } = params();
  const opt = new AdamW(list, { learningRate: 0.1, weightDecay: 0.5 });
  tf.tidy(() => opt.applyGradients({ [kernel.name]: tf.zeros([2, 2]), [bias.name]: tf.zeros([2]) }));
  t.ok(close(kernel.dataSync(), [0.95, -1.9, 2.85, 0.475]), 'kernel *= 1 - lr * wd (no gradient, no Adam step)');
  t.ok(close(bias.dataSync(), [0.5, -1]), 'bias untouched');
  const model = tinyModel();
  t.same(
    modelParams(model).map((p) => p.decay),
    [true, false, true, false],
    'conv and dense kernels decay; biases do not',
  );
  model.dispose();
});

t.test('SGD with momentum follows buf = mu * buf + g; p -= lr * buf', async (t) => {
  const { kernel, bias, list } = params();
  const opt = new SgdMomentum(list, { learningRate: 0.1, weightDecay: 0, momentum: 0.9 });
  feed(opt, kernel, bias, 0, 2);
  // bias: g1 = [0.2, -0.1], g2 = [0.05, 0.3]; buf2 = 0.9 g1 + g2
  const buf1 = [0.2, -0.1];
  const buf2 = [0.9 * 0.2 + 0.05, 0.9 * -0.1 + 0.3];
  t.ok(close(bias.dataSync(), [0.5 - 0.1 * (buf1[0] + buf2[0]), -1 - 0.1 * (buf1[1] + buf2[1])]));
});

t.test('optimizer state round-trips: a restored optimizer takes the same next step', async (t) => {
  for (const make of [(l: Param[]) => new AdamW(l, { learningRate: 0.01, weightDecay: 0.1 }), (l: Param[]) => new SgdMomentum(l, { learningRate: 0.01, weightDecay: 0.1 })]) {
    const a = params();
    const optA = make(a.list);
    feed(optA, a.kernel, a.bias, 0, 2);
    const saved = await optA.getWeights();
    const b = params();
    b.kernel.assign(a.kernel);
    b.bias.assign(a.bias);
    const optB = make(b.list);
    await optB.setWeights(saved);
    t.equal(optB.iterations, 2);
    feed(optA, a.kernel, a.bias, 2, 3);
    feed(optB, b.kernel, b.bias, 2, 3);
    t.ok(close(a.kernel.dataSync(), b.kernel.dataSync(), 0), `${optA.getClassName()}: identical after restore`);
    await t.rejects(optB.setWeights([saved[0], { name: 'm/5', tensor: saved[1].tensor }]), /fits no parameter/);
  }
});

t.test('cosine schedule with linear warm-up', async (t) => {
  const s = { peak: 1, min: 0.1, warmupSteps: 4, totalSteps: 14 };
  t.same([0, 1, 2, 3].map((i) => learningRateAt(i, s)), [0.25, 0.5, 0.75, 1]);
  t.equal(learningRateAt(4, s), 1);
  t.ok(Math.abs(learningRateAt(9, s) - 0.55) < 1e-12, 'halfway: the mean of peak and min');
  t.ok(Math.abs(learningRateAt(14, s) - 0.1) < 1e-12);
  const lrs = Array.from({ length: 10 }, (_, i) => learningRateAt(4 + i, s));
  t.ok(lrs.every((v, i) => i === 0 || v < lrs[i - 1]), 'decreasing after warm-up');
});

t.test('cross-entropy with label smoothing and class weights', async (t) => {
  const logits = tf.tensor2d([[2, 0, 0], [0, 1, 0]]);
  const labels = tf.tensor1d([0, 2], 'int32');
  const lse = (v: number[]) => Math.log(v.reduce((a, x) => a + Math.exp(x), 0));
  const l0 = lse([2, 0, 0]) - 2;
  const l1 = lse([0, 1, 0]) - 0;
  t.ok(Math.abs(crossEntropy(logits, labels, null).dataSync()[0] - (l0 + l1) / 2) < 1e-6);
  const w = tf.tensor1d([1, 3]);
  t.ok(Math.abs(crossEntropy(logits, labels, w).dataSync()[0] - (l0 + 3 * l1) / 4) < 1e-6);
  // smoothing 0.3 over 3 classes: target 0.8 on the label, 0.1 elsewhere
  const s0 = 0.8 * l0 + 0.1 * (lse([2, 0, 0]) - 0) * 2;
  const s1 = 0.8 * l1 + 0.1 * (lse([0, 1, 0]) - 0) + 0.1 * (lse([0, 1, 0]) - 1);
  t.ok(Math.abs(crossEntropy(logits, labels, null, 0.3).dataSync()[0] - (s0 + s1) / 2) < 1e-6);
});

t.test('trainStep lowers the loss on a batch and leaks no tensors', async (t) => {
  const model = tinyModel();
  const opt = new AdamW(modelParams(model), { learningRate: 0.05, weightDecay: 0.01 });
  const x = tf.tidy(() => tf.concat([tf.fill([4, 16, 16, 1], -0.8), tf.fill([4, 16, 16, 1], 0.8)]));
  const y = tf.tensor1d([0, 0, 0, 0, 3, 3, 3, 3], 'int32');
  const first = trainStep(model, opt, x, y, null);
  const before = tf.memory().numTensors;
  let last = first;
  for (let i = 0; i < 15; i++) last = trainStep(model, opt, x, y, null, { labelSmoothing: 0.1 });
  t.equal(tf.memory().numTensors, before, 'no tensors left behind per step');
  t.ok(last.loss < first.loss, `loss ${first.loss.toFixed(3)} -> ${last.loss.toFixed(3)}`);
  t.equal(last.correct, 8);
  tf.dispose([x, y]);
  opt.dispose();
  model.dispose();
});

t.test('a sequence model (input [N,T,H,W,C], outputs [logits, frame logits]) trains and evaluates on single frames', async (t) => {
  const clip = tf.input({ shape: [null, 16, 16, 1] });
  const frames = tf.layers.timeDistributed({ layer: tf.layers.flatten() }).apply(clip) as tf.SymbolicTensor;
  const frameLogits = tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 7, kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }) }).apply(frames) as tf.SymbolicTensor;
  const logits = tf.layers.globalAveragePooling1d({}).apply(frameLogits) as tf.SymbolicTensor;
  const model = tf.model({ inputs: clip, outputs: [logits, frameLogits] });
  const opt = new AdamW(modelParams(model), { learningRate: 0.01, weightDecay: 0 });
  const x = tf.randomUniform([4, 16, 16, 1], -1, 1, 'float32', 1);
  const y = tf.tensor1d([0, 1, 2, 3], 'int32');
  const first = trainStep(model, opt, x, y, null);
  let last = first;
  for (let i = 0; i < 5; i++) last = trainStep(model, opt, x, y, null);
  t.ok(last.loss < first.loss);
  const ev = await evaluateModel(model, brightDark(6), TINY_SPEC);
  t.equal(ev.report.count, 6);
  tf.dispose([x, y]);
  opt.dispose();
  model.dispose();
});
