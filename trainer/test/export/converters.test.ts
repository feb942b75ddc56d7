/**
 * Converter cases the AMFT models do not reach: conv bias and activations, TensorFlow's
 * asymmetric 'same' padding, batch norm that follows no conv (rank 2 and 3), softmax over image
 * channels, ReLU with a cap, 'same' pooling, Reshape back to an image; the registry's extension
 * point and its error for a layer class without a converter; the graph passes on their own.
 */
import t from 'tap';
import * as tf from '@tensorflow/tfjs';
import { resolveModelConfig, type ModelConfig } from '../../src/model/index.js';
import { ConverterRegistry, checkModel, defaultRegistry, exportToOnnx, type LayerConverter } from '../../src/export/index.js';
import { out, singleInput } from '../../src/export/converters/common.js';
import { GraphBuilder, float, floatValues } from '../../src/export/graph-builder.js';
import { foldBatchNormIntoConv, removeDeadNodes, removeUnusedInitializers } from '../../src/export/optimize-graph.js';
import { maxAbsDiff, openSession, randomizeWeights, runSession, structureProblems } from './helpers.js';
import { cpuBackend } from '../cpu-backend.js';

const TOL = 1e-4;

t.before(async () => {
  await cpuBackend();
});

/** A config whose input is [8, 8, channels]; everything else is irrelevant to these models. */
function tinyConfig(size = 8, channels: 1 | 3 = 3): ModelConfig {
  return resolveModelConfig('lite', {
    preprocessing: { height: size, width: size, channels, mean: channels === 3 ? [0.5, 0.5, 0.5] : [0.5], std: channels === 3 ? [0.25, 0.25, 0.25] : [0.25] },
  });
}

type Sym = tf.SymbolicTensor;
const apply = (layer: tf.layers.Layer, x: Sym | Sym[]) => layer.apply(x) as Sym;

/** input [8,8,3] -> body -> flatten (Reshape) -> Dense 'logits' [N, 7]. */
function classifierAround(body: (x: Sym) => Sym, size = 8): tf.LayersModel {
  const input = tf.input({ shape: [size, size, 3], name: 'input' });
  const y = body(input);
  const flat = apply(tf.layers.reshape({ targetShape: [(y.shape as number[]).slice(1).reduce((a, b) => a * b, 1)] }), y);
  return tf.model({ inputs: input, outputs: apply(tf.layers.dense({ units: 7, name: 'logits' }), flat) });
}

async function parity(model: tf.LayersModel, cfg: ModelConfig, registry?: ConverterRegistry): Promise<{ diff: number; ops: Record<string, number> }> {
  randomizeWeights(model, 7, tf.randomNormal([2, cfg.preprocessing.height, cfg.preprocessing.width, cfg.preprocessing.channels], 0, 1, 'float32', 3));
  const { bytes, report } = exportToOnnx(model, cfg, { registry });
  for (const [what, problems] of Object.entries(structureProblems(bytes))) if (problems.length) throw new Error(`${what}: ${problems.join('; ')}`);
  const session = await openSession(bytes);
  const x = tf.randomNormal([3, cfg.preprocessing.height, cfg.preprocessing.width, cfg.preprocessing.channels], 0, 1, 'float32', 11);
  const ref = (model.predict(x) as tf.Tensor).dataSync();
  const res = await runSession(session, 'input', x);
  await session.release();
  return { diff: maxAbsDiff(ref, res.logits.data), ops: report.ops };
}

t.test('Conv2D: bias, activation, strided TF-style same padding (odd pixel at the end), dilation', async (t) => {
  const cfg = tinyConfig(9);
  const model = classifierAround((x) => {
    let y = apply(tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }), x);
    y = apply(tf.layers.conv2d({ filters: 5, kernelSize: 2, padding: 'same', activation: 'sigmoid' }), y);
    return apply(tf.layers.conv2d({ filters: 3, kernelSize: 3, dilationRate: 2, padding: 'same', activation: 'tanh' }), y);
  }, 9);
  const { diff, ops } = await parity(model, cfg);
  t.ok(diff <= TOL, `max diff ${diff}`);
  t.equal(ops.Conv, 3);
  t.equal(ops.Relu, 1);
  t.equal(ops.Sigmoid, 1);
  t.equal(ops.Tanh, 1);
});

t.test('BatchNormalization after a non-conv layer stays a node; ReLU maxValue; channel softmax', async (t) => {
  const cfg = tinyConfig();
  const model = classifierAround((x) => {
    let y = apply(tf.layers.batchNormalization({ epsilon: 1e-3 }), x); // after the input: no conv to fold into
    y = apply(tf.layers.reLU({ maxValue: 1.5 }), y);
    y = apply(tf.layers.conv2d({ filters: 6, kernelSize: 1, useBias: true }), y);
    y = apply(tf.layers.batchNormalization({ center: false, scale: false }), y); // folded into the conv
    return apply(tf.layers.activation({ activation: 'softmax' }), y);
  });
  const { diff, ops } = await parity(model, cfg);
  t.ok(diff <= TOL, `max diff ${diff}`);
  t.equal(ops.BatchNormalization, 1, 'one BatchNormalization left: the one after the input');
  t.equal(ops.Clip, 1);
  t.equal(ops.Softmax, 2, 'channel softmax + probabilities');
});

t.test("'same' max and average pooling, Reshape back to an image, Add of three", async (t) => {
  const cfg = tinyConfig(7);
  const model = classifierAround((x) => {
    const a = apply(tf.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: 'same' }), x);
    const b = apply(tf.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }), x);
    const c = apply(tf.layers.reshape({ targetShape: [4, 4, 3] }), apply(tf.layers.reshape({ targetShape: [48] }), a));
    return apply(tf.layers.add(), [a, b, c]);
  }, 7);
  const { diff } = await parity(model, cfg);
  t.ok(diff <= TOL, `max diff ${diff}`);
});

t.test('Dense on tokens without bias, BatchNormalization over token features (Mul + Add), LayerNormalization', async (t) => {
  const cfg = tinyConfig();
  const model = classifierAround((x) => {
    let y = apply(tf.layers.reshape({ targetShape: [64, 3] }), x);
    y = apply(tf.layers.dense({ units: 5, useBias: false, activation: 'elu' }), y);
    y = apply(tf.layers.batchNormalization({}), y);
    return apply(tf.layers.layerNormalization({ epsilon: 1e-5 }), y);
  });
  const { diff, ops } = await parity(model, cfg);
  t.ok(diff <= TOL, `max diff ${diff}`);
  t.equal(ops.BatchNormalization, undefined, 'no BatchNormalization node on [N, L, C]');
  t.equal(ops.LayerNormalization, 1);
});

t.test('a layer class without a converter is named in the error; registering one makes it export', async (t) => {
  class Negate extends tf.layers.Layer {
    static className = 'TestNegate';
    override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
      return tf.neg(Array.isArray(inputs) ? inputs[0] : inputs);
    }
  }
  tf.serialization.registerClass(Negate);
  const cfg = tinyConfig();
  const model = classifierAround((x) => apply(new Negate({}), x));
  t.throws(() => exportToOnnx(model, cfg), { name: 'ExportError', message: /no ONNX converter for layer class TestNegate/ });
  const negate: LayerConverter = {
    className: 'TestNegate',
    convert: (ctx) => {
      const x = singleInput(ctx);
      return [out(ctx, ctx.g.op('Neg', [x.name], {}, { name: ctx.outputName() }), x.layout)];
    },
  };
  const registry = defaultRegistry().register(negate);
  t.throws(() => registry.register(negate), /already registered/);
  const { diff, ops } = await parity(model, cfg, registry);
  t.ok(diff <= TOL, `max diff ${diff}`);
  t.equal(ops.Neg, 1);
});

t.test('a model that does not match its config is refused', async (t) => {
  const model = classifierAround((x) => x);
  t.throws(() => exportToOnnx(model, tinyConfig(16)), /model input is \[\?,8,8,3\]/);
  t.throws(() => exportToOnnx(model, { ...tinyConfig(), lstm: true }), /lstm true/);
});

t.test('graph passes: BatchNormalization folding needs a sole-consumer conv; dead nodes and unused initializers go', async (t) => {
  const g = new GraphBuilder();
  g.reserve('x');
  g.reserve('y');
  g.reserve('z');
  const w = g.weight('w', [2, 1, 1, 1], Float32Array.from([1, 2]));
  const bn = (name: string) => [g.weight(`${name}_g`, [2], Float32Array.from([2, 3])), g.weight(`${name}_b`, [2], Float32Array.from([1, -1])), g.weight(`${name}_m`, [2], Float32Array.from([0.5, 0])), g.weight(`${name}_v`, [2], Float32Array.from([4, 1]))];
  const conv = g.op('Conv', ['x', w], { kernel_shape: [1, 1] }, { base: 'conv' });
  g.op('BatchNormalization', [conv, ...bn('bn1')], { epsilon: float(0) }, { name: 'y' });
  // a conv whose output is also read elsewhere is not folded
  const conv2 = g.op('Conv', ['x', g.weight('w2', [2, 1, 1, 1], Float32Array.from([1, 1]))], { kernel_shape: [1, 1] }, { base: 'conv2' });
  const bn2 = g.op('BatchNormalization', [conv2, ...bn('bn2')], { epsilon: float(0) }, { base: 'bn2' });
  g.op('Add', [bn2, conv2], {}, { name: 'z' });
  g.op('Relu', ['x'], {}, { base: 'dead' });
  const state = { nodes: g.nodes.slice(), initializers: g.initializers, inputs: ['x'], outputs: ['y', 'z'], unique: (b: string) => g.unique(b) };
  t.equal(foldBatchNormIntoConv(state), 1);
  t.equal(removeDeadNodes(state), 1, 'the dead Relu');
  t.equal(removeUnusedInitializers(state), 4, "bn1's four parameters");
  const folded = state.nodes.find((n) => n.output![0] === 'y')!;
  t.equal(folded.opType, 'Conv');
  // s = gamma / sqrt(var): [1, 3]; w' = w * s = [1, 6]; b' = (0 - mean) * s + beta = [0.5, -1]
  t.same(Array.from(floatValues(state.initializers.get(folded.input![1])!)), [1, 6]);
  t.same(Array.from(floatValues(state.initializers.get(folded.input![2])!)), [0.5, -1]);
  const problems = checkModel({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph: { node: state.nodes, initializer: [...state.initializers.values()], input: [{ name: 'x' }], output: [{ name: 'y' }, { name: 'z' }] } });
  t.same(problems, []);
});

t.test('checkModel reports foreign domains, dangling inputs and unused initializers', async (t) => {
  const problems = checkModel({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }, { domain: 'com.microsoft', version: 1 }],
    graph: {
      node: [
        { opType: 'FusedConv', domain: 'com.microsoft', input: ['x'], output: ['a'] },
        { opType: 'Relu', domain: '', input: ['nowhere'], output: ['b'] },
      ],
      initializer: [{ name: 'unused', dims: [1], dataType: 1, rawData: new Uint8Array(4) }],
      input: [{ name: 'x' }],
      output: [{ name: 'b' }],
    },
  });
  t.match(problems.join('\n'), /opset_import/);
  t.match(problems.join('\n'), /domain 'com.microsoft'/);
  t.match(problems.join('\n'), /reads 'nowhere'/);
  t.match(problems.join('\n'), /initializer unused is not used/);
});
