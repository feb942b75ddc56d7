// Our wasm kernels against the cpu backend (the reference implementation), plus selectBackend.
import t, { type Test } from 'tap';
import * as tf from '@tensorflow/tfjs';
import { pino } from 'pino';
import { availableBackends, registerWasmGradientKernels, selectBackend } from '../../src/backend/select-backend.js';
import { wasmKernels } from '../../src/backend/wasm-kernels/index.js';
import { cpuBackend } from '../cpu-backend.js';

/** max |wasm - cpu| / max |cpu|: float32 summation-order noise is ~1e-6. */
const REL_TOL = 1e-4;
const quiet = pino({ level: 'silent' });

// deterministic "random" shapes
let seed = 20240611;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const randInt = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));

function relErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return diff / (scale || 1);
}

/** Runs f on cpu then on wasm (inputs created on cpu are moved as needed) and compares. */
function compare(t: Test, name: string, f: () => tf.Tensor, tol = REL_TOL): void {
  const run = (backend: string) => {
    tf.setBackend(backend);
    return tf.tidy(() => {
      const y = f();
      return { shape: y.shape, values: Array.from(y.dataSync()) };
    });
  };
  const want = run('cpu');
  const got = run('wasm');
  t.same(got.shape, want.shape, `${name}: shape`);
  const err = relErr(got.values, want.values);
  t.ok(err <= tol, `${name}: rel err ${err.toExponential(2)} <= ${tol}`);
}

const randn = (shape: number[]) => {
  cpuBackend();
  return tf.randomNormal(shape, 0, 1, 'float32', randInt(1, 1e6));
};

type Pad = 'same' | 'valid';

t.before(async () => {
  const sel = await selectBackend('wasm', quiet);
  t.equal(sel.name, 'wasm');
});

t.test('selectBackend', async (t) => {
  const available = availableBackends();
  t.ok(available.includes('wasm') && available.includes('cpu'), `available: ${available.join(', ')}`);
  const best = await selectBackend(undefined, quiet);
  t.equal(best.name, available[0], 'picks the best installed backend');
  if (!available.includes('tensorflow')) t.equal(best.name, 'wasm', 'without tfjs-node: wasm');
  if (best.name === 'wasm') {
    t.equal(tf.getBackend(), 'wasm');
    t.ok(best.wasm?.kernels.includes('Conv2DBackpropFilter'), 'our kernels registered');
  }
  const cpu = await selectBackend('cpu', quiet);
  t.equal(cpu.name, 'cpu');
  t.equal(tf.getBackend(), 'cpu');
  if (!available.includes('tensorflow')) {
    await t.rejects(selectBackend('tensorflow', quiet), /backend 'tensorflow' is not available \(@tensorflow\/tfjs-node is not installed\); available: .*wasm, cpu/);
  }
  await t.rejects(selectBackend('tpu' as 'cpu', quiet), /unknown backend 'tpu'/);
  const again = await selectBackend('wasm', quiet);
  t.equal(again.name, 'wasm');
  t.same(registerWasmGradientKernels(), wasmKernels.map((k) => k.kernelName), 'registration is idempotent');
  for (const k of wasmKernels) t.equal(tf.getKernel(k.kernelName, 'wasm')?.kernelFunc, k.kernelFunc, `${k.kernelName} is ours`);
});

t.test('Conv2DBackpropInput and Conv2DBackpropFilter match cpu', async (t) => {
  const cases: Array<[number, number, Pad]> = [];
  for (const stride of [1, 2]) for (const pad of ['same', 'valid'] as const) for (const k of [1, 3]) cases.push([k, stride, pad]);
  cases.push([5, 3, 'same'], [2, 2, 'same'], [4, 2, 'valid']);
  for (const [k, s, pad] of cases) {
    const h = randInt(k + 2, 11);
    const w = randInt(k + 2, 11);
    const cin = randInt(1, 5);
    const cout = randInt(1, 6);
    const x = randn([2, h, w, cin]) as tf.Tensor4D;
    const f = randn([k, k, cin, cout]) as tf.Tensor4D;
    const dy = randn(tf.conv2d(x, f, s, pad).shape) as tf.Tensor4D;
    const name = `x ${x.shape} k${k} s${s} ${pad}`;
    compare(t, `dx ${name}`, () => tf.conv2dTranspose(dy, f, x.shape, s, pad));
    compare(t, `dW ${name}`, () => tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, { strides: s, pad, dataFormat: 'NHWC', filterShape: f.shape }) as tf.Tensor);
    tf.dispose([x, f, dy]);
  }
  // explicit padding, non-square strides
  const x = randn([1, 9, 8, 3]) as tf.Tensor4D;
  const f = randn([3, 2, 3, 4]) as tf.Tensor4D;
  const pad: tf.backend_util.ExplicitPadding = [[0, 0], [2, 1], [0, 2], [0, 0]];
  const dy = randn(tf.conv2d(x, f, [2, 1], pad).shape) as tf.Tensor4D;
  compare(t, 'dx explicit pad, strides [2,1]', () => tf.conv2dTranspose(dy, f, x.shape, [2, 1], pad));
  compare(t, 'dW explicit pad, strides [2,1]', () => tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, { strides: [2, 1], pad, dataFormat: 'NHWC', filterShape: f.shape }) as tf.Tensor);
  tf.dispose([x, f, dy]);
});

t.test('depthwise gradients match cpu (dilation checked by the adjoint identity)', async (t) => {
  for (const [k, s, pad, m] of [[3, 1, 'same', 1], [3, 2, 'same', 2], [3, 2, 'valid', 1], [5, 1, 'valid', 3], [2, 2, 'same', 1]] as Array<[number, number, Pad, number]>) {
    const c = randInt(1, 5);
    const x = randn([2, randInt(k + 2, 10), randInt(k + 2, 10), c]) as tf.Tensor4D;
    const f = randn([k, k, c, m]) as tf.Tensor4D;
    const dy = randn(tf.depthwiseConv2d(x, f, s, pad).shape) as tf.Tensor4D;
    const attrs = { strides: s, dilations: 1, pad };
    const name = `x ${x.shape} k${k} s${s} ${pad} m${m}`;
    compare(t, `dx ${name}`, () => tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropInput, { dy, filter: f }, { ...attrs, inputShape: x.shape }) as tf.Tensor);
    compare(t, `dW ${name}`, () => tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropFilter, { x, dy }, { ...attrs, filterShape: f.shape }) as tf.Tensor);
    tf.dispose([x, f, dy]);
  }
  // The cpu gradient kernels ignore dilations, so check <dy, conv(x, W)> = <dx, x> = <dW, W> instead.
  for (const [k, d, pad, m] of [[3, 2, 'same', 1], [3, 3, 'valid', 2]] as Array<[number, number, Pad, number]>) {
    const x = randn([2, 11, 10, 3]) as tf.Tensor4D;
    const f = randn([k, k, 3, m]) as tf.Tensor4D;
    const y = tf.depthwiseConv2d(x, f, 1, pad, 'NHWC', d);
    const dy = randn(y.shape) as tf.Tensor4D;
    const ref = tf.sum(tf.mul(dy, y)).dataSync()[0];
    tf.setBackend('wasm');
    const attrs = { strides: 1, dilations: d, pad };
    const viaDx = tf.tidy(() => tf.sum(tf.mul(tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropInput, { dy, filter: f }, { ...attrs, inputShape: x.shape }) as tf.Tensor, x)).dataSync()[0]);
    const viaDw = tf.tidy(() => tf.sum(tf.mul(tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropFilter, { x, dy }, { ...attrs, filterShape: f.shape }) as tf.Tensor, f)).dataSync()[0]);
    t.ok(Math.abs(viaDx - ref) <= REL_TOL * Math.abs(ref) + 1e-3, `dilation ${d} ${pad}: <dx, x> = ${viaDx} vs ${ref}`);
    t.ok(Math.abs(viaDw - ref) <= REL_TOL * Math.abs(ref) + 1e-3, `dilation ${d} ${pad}: <dW, W> = ${viaDw} vs ${ref}`);
    tf.dispose([x, f, y, dy]);
  }
});

t.test('BatchMatMul (transposed, batched, broadcast) matches cpu', async (t) => {
  const cases: Array<[number[], number[], boolean, boolean]> = [
    [[5, 7], [3, 7], false, true],
    [[7, 5], [7, 3], true, false],
    [[7, 5], [3, 7], true, true],
    [[4, 40, 50], [50, 30], false, false],
    [[2, 3, 50, 40], [2, 3, 30, 50], true, true],
    [[6, 40, 50], [6, 30, 50], false, true],
    [[3, 4, 5], [3, 5, 2], false, false],
    [[1, 40, 50], [3, 50, 30], false, false],
  ];
  for (const [as, bs, ta, tb] of cases) {
    const a = randn(as);
    const b = randn(bs);
    compare(t, `matMul ${as} x ${bs} tA=${ta} tB=${tb}`, () => tf.matMul(a, b, ta, tb));
    tf.dispose([a, b]);
  }
});

t.test('Transpose, Tile, Slice, Sum, Mean, Identity, Cast match cpu', async (t) => {
  const perms: Array<[number[], number[]]> = [[[2, 3, 4, 5], [3, 1, 2, 0]], [[2, 3, 4, 5], [3, 0, 1, 2]], [[2, 3, 4, 5], [0, 1, 3, 2]], [[2, 1, 4, 5], [1, 3, 2, 0]], [[3, 4], [1, 0]], [[2, 3, 4, 5], [1, 0, 3, 2]], [[2, 3, 4], [2, 1, 0]], [[2, 3, 4, 5], [0, 2, 1, 3]]];
  for (const [shape, perm] of perms) {
    const x = randn(shape);
    compare(t, `transpose ${shape} by ${perm}`, () => tf.transpose(x, perm));
    const xi = tf.cast(tf.mul(x, 100), 'int32');
    compare(t, `transpose int32 ${shape} by ${perm}`, () => tf.transpose(xi, perm));
    tf.dispose([x, xi]);
  }
  for (const [shape, reps] of [[[1, 1, 1, 3], [2, 3, 4, 1]], [[2, 3], [3, 2]], [[2, 1, 3], [1, 4, 2]], [[5], [3]]] as Array<[number[], number[]]>) {
    const x = randn(shape);
    compare(t, `tile ${shape} by ${reps}`, () => tf.tile(x, reps));
    tf.dispose(x);
  }
  for (const [shape, axes, keep] of [[[4, 5, 6, 3], [0, 1, 2], false], [[4, 5, 6, 3], [0, 1, 2], true], [[4, 5, 6], [0], false], [[4, 5, 6], [1], false], [[4, 5], [0, 1], false], [[4, 5, 6], [2, 0, 1], true], [[7, 3], [-2], false]] as Array<[number[], number[], boolean]>) {
    const x = randn(shape);
    compare(t, `sum ${shape} over ${axes}${keep ? ' keepDims' : ''}`, () => tf.sum(x, axes, keep));
    compare(t, `mean ${shape} over ${axes}${keep ? ' keepDims' : ''}`, () => tf.mean(x, axes, keep));
    tf.dispose(x);
  }
  for (const [shape, begin, size] of [[[6, 5, 4], [2, 0, 0], [3, 5, 4]], [[6, 5, 4], [1, 2, 1], [4, 2, 3]], [[6, 5, 4, 3], [0, 1, 0, 0], [6, 3, 4, 3]], [[7], [2], [4]], [[3, 4], [0, 0], [3, 4]], [[4, 5, 6], [1, 1, 1], [2, -1, 2]]] as Array<[number[], number[], number[]]>) {
    const x = randn(shape);
    compare(t, `slice ${shape} from ${begin} size ${size}`, () => tf.slice(x, begin, size));
    const xi = tf.cast(tf.mul(x, 100), 'int32');
    compare(t, `slice int32 ${shape} from ${begin} size ${size}`, () => tf.slice(xi, begin, size));
    tf.dispose([x, xi]);
  }
  const x = randn([3, 4]);
  compare(t, 'clone', () => tf.clone(x));
  compare(t, 'cast float32->float32', () => tf.cast(x, 'float32'));
  compare(t, 'cast float32->int32', () => tf.cast(tf.mul(x, 10), 'int32'));
  tf.dispose(x);
});

t.test('pooling gradients and UnsortedSegmentSum match cpu', async (t) => {
  for (const [shape, f, s, pad] of [[[2, 8, 8, 3], 2, 2, 'same'], [[2, 9, 9, 3], 3, 2, 'same'], [[2, 9, 7, 2], 3, 1, 'valid'], [[1, 7, 7, 4], 3, 2, 'valid']] as Array<[number[], number, number, Pad]>) {
    const x = randn(shape) as tf.Tensor4D;
    compare(t, `MaxPoolGrad ${shape} k${f} s${s} ${pad}`, () => tf.grad((z: tf.Tensor) => tf.maxPool(z as tf.Tensor4D, f, s, pad))(x));
    compare(t, `AvgPoolGrad ${shape} k${f} s${s} ${pad}`, () => tf.grad((z: tf.Tensor) => tf.avgPool(z as tf.Tensor4D, f, s, pad))(x));
    tf.dispose(x);
  }
  cpuBackend();
  const ties = tf.round(tf.randomUniform([2, 6, 6, 3], 0, 2, 'float32', 7)) as tf.Tensor4D;
  compare(t, 'MaxPoolGrad with ties (first maximum wins)', () => tf.grad((z: tf.Tensor) => tf.maxPool(z as tf.Tensor4D, 3, 2, 'same'))(ties));
  const emb = randn([10, 6]);
  const ids = tf.tensor2d([[0, 3, 3, 1, 9], [2, 0, 5, 4, 4]], [2, 5], 'int32');
  compare(t, 'gather gradient (UnsortedSegmentSum)', () => tf.grad((e: tf.Tensor) => tf.sum(tf.mul(tf.gather(e, ids), tf.range(0, 6))))(emb));
  tf.dispose([ties, emb, ids]);
});

t.test('a training step of a small conv net gives the same gradients on wasm and cpu', async (t) => {
  const build = () => {
    const input = tf.input({ shape: [12, 12, 2] });
    let x = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }) }).apply(input) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization().apply(x) as tf.SymbolicTensor;
    x = tf.layers.reLU().apply(x) as tf.SymbolicTensor;
    const y = tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same', depthwiseInitializer: tf.initializers.glorotNormal({ seed: 2 }) }).apply(x) as tf.SymbolicTensor;
    const z = tf.layers.conv2d({ filters: 4, kernelSize: 1, strides: 2, kernelInitializer: tf.initializers.glorotNormal({ seed: 3 }) }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.add().apply([y, z]) as tf.SymbolicTensor;
    x = tf.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotNormal({ seed: 4 }) }).apply(x) as tf.SymbolicTensor;
    return tf.model({ inputs: input, outputs: out });
  };
  const grads = (backend: string) => {
    tf.setBackend(backend);
    const model = build();
    const xs = tf.randomNormal([4, 12, 12, 2], 0, 1, 'float32', 5);
    const ys = tf.oneHot(tf.tensor1d([0, 1, 2, 1], 'int32'), 3);
    const { grads: g } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(ys, model.apply(xs, { training: true }) as tf.Tensor) as tf.Scalar);
    const out = Object.values(g).map((v) => Array.from(v.dataSync()));
    tf.dispose([xs, ys, ...Object.values(g)]);
    model.dispose();
    return out;
  };
  const want = grads('cpu');
  const got = grads('wasm');
  t.equal(got.length, want.length);
  want.forEach((w, i) => {
    const err = relErr(got[i], w);
    t.ok(err <= 1e-3, `gradient ${i}: rel err ${err.toExponential(2)}`);
  });
});

t.test('no tensors or wasm buffers leak', async (t) => {
  tf.setBackend('wasm');
  const backend = tf.engine().backend;
  const x = tf.randomNormal([2, 9, 9, 3]) as tf.Tensor4D;
  const f = tf.randomNormal([3, 3, 3, 4]) as tf.Tensor4D;
  const df = tf.randomNormal([3, 3, 3, 2]) as tf.Tensor4D;
  const a = tf.randomNormal([3, 20, 30]);
  const b = tf.randomNormal([3, 40, 30]);
  const c = tf.randomNormal([3, 20, 40]);
  const dy = tf.conv2d(x, f, 2, 'same');
  const ddy = tf.depthwiseConv2d(x, df, 2, 'same');
  const tensorsBefore = tf.memory().numTensors;
  const dataBefore = backend.numDataIds();
  // tidy disposes every tensor the ops return; buffers a kernel allocated internally and never
  // released would still show up in the backend's count
  tf.tidy(() => {
    const outs = [
      tf.conv2dTranspose(dy, f, x.shape, 2, 'same'),
      tf.conv2dTranspose(tf.conv2d(x, f, 1, 'same'), f, x.shape, 1, 'same'),
      tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, { strides: 2, pad: 'same', dataFormat: 'NHWC', filterShape: f.shape }) as tf.Tensor,
      tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropInput, { dy: ddy, filter: df }, { strides: 2, dilations: 1, pad: 'same', inputShape: x.shape }) as tf.Tensor,
      tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropFilter, { x, dy: ddy }, { strides: 2, dilations: 1, pad: 'same', filterShape: df.shape }) as tf.Tensor,
      tf.matMul(a, b, false, true),
      tf.matMul(a, c, true, false),
      tf.transpose(x, [3, 1, 2, 0]),
      tf.tile(f, [1, 2, 1, 3]),
      tf.sum(x, [0, 1, 2]),
      tf.mean(x, [0, 1, 2]),
      tf.clone(x),
      tf.cast(x, 'float32'),
      tf.grad((z: tf.Tensor) => tf.maxPool(z as tf.Tensor4D, 2, 2, 'same'))(x),
      tf.grad((z: tf.Tensor) => tf.avgPool(z as tf.Tensor4D, 2, 2, 'same'))(x),
      tf.unsortedSegmentSum(f, tf.tensor1d([0, 2, 0], 'int32'), 3),
      tf.slice(x, [1, 2, 0, 0], [1, 3, 9, 3]),
    ];
    t.equal(outs.length, 17);
  });
  t.equal(tf.memory().numTensors, tensorsBefore, 'tf.memory().numTensors unchanged');
  t.equal(backend.numDataIds(), dataBefore, 'wasm backend buffers unchanged (no leaked intermediates)');
  tf.dispose([x, f, df, a, b, c, dy, ddy]);
});
