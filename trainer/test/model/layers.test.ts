import t from 'tap';
import * as tf from '@tensorflow/tfjs';
import { layers } from '../../src/model/index.js';
import { maxAbsDiff } from './helpers.js';
import { cpuBackend } from '../cpu-backend.js';

const TOL = 1e-5;

t.before(async () => {
  await cpuBackend();
});

/** Builds a layer on a concrete input, returns its output and weights. */
function run(layer: tf.layers.Layer, inputs: tf.Tensor | tf.Tensor[], training = false): tf.Tensor {
  return layer.apply(inputs, { training }) as tf.Tensor;
}

t.test('shapes: every custom layer computes the shape it returns', async (t) => {
  const cases: Array<[tf.layers.Layer, number[][], number[]]> = [
    [new layers.SpatialAttention(), [[2, 5, 5, 8]], [2, 5, 5, 8]],
    [new layers.ChannelAttention({ hidden: 4 }), [[2, 5, 5, 8]], [2, 5, 5, 8]],
    [new layers.MultiHeadSelfAttention({ heads: 2 }), [[2, 6, 8]], [2, 6, 8]],
    [new layers.PositionalEmbedding(), [[2, 6, 8]], [2, 6, 8]],
    [new layers.AdaptiveScaleFusion(), [[2, 3, 3, 4], [2, 3, 3, 4], [2, 3, 3, 4]], [2, 3, 3, 4]],
    [new layers.NearestUpsample({ factor: 2 }), [[2, 3, 3, 4]], [2, 6, 6, 4]],
    [new layers.FoldTime(), [[2, 3, 4, 4, 1]], [6, 4, 4, 1]],
    [new layers.LastStep(), [[2, 3, 5]], [2, 5]],
    [new layers.TorchLstm({ units: 4 }), [[2, 3, 5]], [2, 3, 4]],
  ];
  for (const [layer, shapes, expected] of cases) {
    const xs = shapes.map((s) => tf.randomNormal(s));
    const y = run(layer, xs.length === 1 ? xs[0] : xs);
    t.same(y.shape, expected, layer.getClassName());
    const symbolic = layer.computeOutputShape(shapes.length === 1 ? shapes[0] : shapes) as number[];
    t.same(symbolic, expected, `${layer.getClassName()} computeOutputShape`);
    // no tensors leak from a call
    const before = tf.memory().numTensors;
    tf.dispose(run(layer, xs.length === 1 ? xs[0] : xs));
    t.equal(tf.memory().numTensors, before, `${layer.getClassName()} leaks no tensors`);
    tf.dispose([...xs, y]);
    layer.dispose();
  }
});

t.test('UnfoldTime restores [N,T,D] from folded features', async (t) => {
  const clip = tf.zeros([2, 3, 4, 4, 1]);
  const feats = tf.range(0, 30).reshape([6, 5]);
  const y = run(new layers.UnfoldTime(), [feats, clip]);
  t.same(y.shape, [2, 3, 5]);
  t.same(Array.from(y.dataSync()), Array.from(feats.dataSync()));
});

t.test('NearestUpsample repeats each value in a factor x factor block', async (t) => {
  const x = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
  const y = run(new layers.NearestUpsample({ factor: 2 }), x);
  t.same(Array.from(y.dataSync()), [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
  t.throws(() => new layers.NearestUpsample({ factor: 1.5 }), /positive integer/);
});

t.test('MultiHeadSelfAttention matches a per-head reference computation', async (t) => {
  const [n, l, d, h] = [2, 5, 8, 2];
  const dh = d / h;
  const x = tf.randomNormal([n, l, d], 0, 1, 'float32', 1);
  const layer = new layers.MultiHeadSelfAttention({ heads: h });
  const y = run(layer, x);
  const [wIn, bIn, wOut, bOut] = layer.getWeights();
  const expected = tf.tidy(() => {
    const qkv = tf.add(tf.matMul(x.reshape([n * l, d]), wIn), bIn).reshape([n, l, 3 * d]);
    const heads: tf.Tensor[] = [];
    for (let i = 0; i < h; i++) {
      const q = qkv.slice([0, 0, i * dh], [n, l, dh]);
      const k = qkv.slice([0, 0, d + i * dh], [n, l, dh]);
      const v = qkv.slice([0, 0, 2 * d + i * dh], [n, l, dh]);
      const a = tf.softmax(tf.div(tf.matMul(q, k, false, true), Math.sqrt(dh)));
      heads.push(tf.matMul(a, v));
    }
    return tf.add(tf.matMul(tf.concat(heads, 2).reshape([n * l, d]), wOut), bOut).reshape([n, l, d]);
  });
  t.ok(maxAbsDiff(y, expected) < TOL, `max diff ${maxAbsDiff(y, expected)}`);
});

t.test('TorchLstm follows the PyTorch LSTM equations (gates i, f, g, o; two biases)', async (t) => {
  const [n, steps, d, hu] = [2, 3, 4, 3];
  const x = tf.randomNormal([n, steps, d], 0, 1, 'float32', 2);
  const layer = new layers.TorchLstm({ units: hu });
  const y = run(layer, x);
  const [wIh, wHh, bIh, bHh] = layer.getWeights().map((w) => w.arraySync() as number[][] | number[]);
  const xs = x.arraySync() as number[][][];
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  const out: number[][][] = [];
  for (let b = 0; b < n; b++) {
    let hPrev = new Array<number>(hu).fill(0);
    let cPrev = new Array<number>(hu).fill(0);
    const seq: number[][] = [];
    for (let s = 0; s < steps; s++) {
      const z = new Array<number>(4 * hu).fill(0).map((_, j) => {
        let acc = (bIh as number[])[j] + (bHh as number[])[j];
        for (let k = 0; k < d; k++) acc += xs[b][s][k] * (wIh as number[][])[k][j];
        for (let k = 0; k < hu; k++) acc += hPrev[k] * (wHh as number[][])[k][j];
        return acc;
      });
      const c = cPrev.map((cv, j) => sig(z[hu + j]) * cv + sig(z[j]) * Math.tanh(z[2 * hu + j]));
      hPrev = c.map((cv, j) => sig(z[3 * hu + j]) * Math.tanh(cv));
      cPrev = c;
      seq.push(hPrev);
    }
    out.push(seq);
  }
  t.ok(maxAbsDiff(y, tf.tensor3d(out)) < TOL);
  t.equal(layer.countParams(), 4 * hu * (d + hu) + 8 * hu, 'PyTorch parameter count (two biases)');
});

t.test('AdaptiveScaleFusion weights sum to one: equal maps fuse to the same map', async (t) => {
  const m = tf.randomNormal([2, 3, 3, 4], 0, 1, 'float32', 3);
  const y = run(new layers.AdaptiveScaleFusion(), [m, m, m]);
  t.ok(maxAbsDiff(y, m) < TOL);
  // and different inputs get different, input-dependent weights
  const a = tf.ones([1, 2, 2, 4]);
  const b = tf.zeros([1, 2, 2, 4]);
  const fused = run(new layers.AdaptiveScaleFusion(), [a, b]).dataSync()[0];
  t.ok(fused > 0 && fused < 1, `fused value ${fused} is a convex combination`);
});

t.test('attention gates multiply by values in (0,1)', async (t) => {
  const x = tf.ones([1, 4, 4, 6]);
  for (const layer of [new layers.SpatialAttention(), new layers.ChannelAttention({ hidden: 2 })]) {
    const y = run(layer, x).dataSync();
    t.ok(y.every((v) => v > 0 && v < 1), layer.getClassName());
  }
});
