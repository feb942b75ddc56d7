/**
 * Helpers of the export tests: seeded random weights (with batch-norm statistics calibrated on
 * real activations, then perturbed, so folding is really exercised), channels-first inputs, and
 * onnxruntime sessions.
 */
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { topologicalCalls, isInputLayer } from '../../src/export/walk.js';
import { shortWeightName } from '../../src/export/converters/registry.js';
import { OPSET, OPSET17_OPERATORS, decodeModel } from '../../src/export/index.js';
import { mulberry32 } from '../../../test/seeded-random.js';

export { mulberry32 };

export class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  private spare: number | undefined;
  /** Standard normal (Box-Muller, both values used). */
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(Math.max(this.next(), 1e-12)));
    const a = 2 * Math.PI * this.next();
    this.spare = r * Math.sin(a);
    return r * Math.cos(a);
  }
  fill(n: number, f: () => number): Float32Array {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = f();
    return a;
  }
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Random values for one weight, by its short name and shape (statistics handled by the caller). */
function randomWeight(name: string, shape: number[], rng: Rng): Float32Array {
  const n = size(shape);
  switch (name) {
    case 'gamma':
      return rng.fill(n, () => rng.uniform(0.5, 1.5));
    case 'beta':
    case 'bias':
    case 'in_bias':
    case 'out_bias':
    case 'b_ih':
    case 'b_hh':
      return rng.fill(n, () => rng.uniform(-0.2, 0.2));
    case 'embedding':
      return rng.fill(n, () => 0.1 * rng.normal());
    case 'moving_mean':
      return new Float32Array(n);
    case 'moving_variance':
      return new Float32Array(n).fill(1);
    default: {
      if (shape.length === 4) {
        // conv kernel [kh, kw, cin, cout]: He normal
        const std = Math.sqrt(2 / (shape[0] * shape[1] * shape[2]));
        return rng.fill(n, () => std * rng.normal());
      }
      const [fanIn, fanOut] = shape.length === 2 ? shape : [n, n];
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      return rng.fill(n, () => rng.uniform(-limit, limit));
    }
  }
}

/**
 * Gives every weight a seeded random value. Batch-norm moving statistics are set from the
 * activations of `calibration` at that layer (so activations stay well scaled through deep
 * trunks, as in a trained model), then perturbed: mean + 0.2 std N(0,1), variance x U(0.6, 1.6).
 * Runs the graph layer by layer once (inference mode).
 */
export function randomizeWeights(model: tf.LayersModel, seed: number, calibration: tf.Tensor): void {
  const rng = new Rng(seed);
  const values = new Map<number, tf.Tensor>();
  const owned: tf.Tensor[] = [];
  const calls = topologicalCalls(model);
  // batch norms that end a residual branch (they feed an Add, and are not the shortcut's)
  const branchEnds = new Set<string>();
  for (const call of calls) {
    if (call.layer.getClassName() !== 'Add') continue;
    for (const t of call.inputs) if (t.sourceLayer.getClassName() === 'BatchNormalization' && !/down/.test(t.sourceLayer.name)) branchEnds.add(t.sourceLayer.name);
  }
  for (const call of calls) {
    const { layer } = call;
    const inputs = isInputLayer(layer) ? [calibration] : call.inputs.map((t) => values.get(t.id)!);
    if (layer.weights.length > 0) {
      const stats = layer.getClassName() === 'BatchNormalization' ? channelStats(inputs[0]) : undefined;
      const tensors = layer.weights.map((w) => {
        const name = shortWeightName(w);
        const shape = w.shape as number[];
        let data = randomWeight(name, shape, rng);
        // Residual branches start small, as with zero-init-residual training: a random deep
        // ResNet with batch norm is otherwise chaotic (1 ulp at the input moves the logits ~1e-4).
        if (name === 'gamma' && branchEnds.has(layer.name)) data = data.map((g) => g * 0.25);
        if (stats && name === 'moving_mean') data = stats.mean.map((m, c) => m + 0.2 * Math.sqrt(stats.variance[c]) * rng.normal());
        if (stats && name === 'moving_variance') data = stats.variance.map((v) => v * rng.uniform(0.6, 1.6) + 1e-3);
        return tf.tensor(data, shape, 'float32');
      });
      layer.setWeights(tensors);
      tf.dispose(tensors);
    }
    if (isInputLayer(layer)) {
      values.set(call.outputs[0].id, calibration);
      continue;
    }
    const out = layer.apply(inputs.length === 1 ? inputs[0] : inputs, { training: false }) as tf.Tensor | tf.Tensor[];
    const outs = Array.isArray(out) ? out : [out];
    outs.forEach((t, i) => values.set(call.outputs[i].id, t));
    owned.push(...outs);
  }
  tf.dispose(owned);
}

/** Per-channel (last axis) mean and variance of an activation. */
function channelStats(x: tf.Tensor): { mean: Float32Array; variance: Float32Array } {
  return tf.tidy(() => {
    const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
    const { mean, variance } = tf.moments(x, axes);
    return { mean: mean.dataSync() as Float32Array, variance: variance.dataSync() as Float32Array };
  });
}

/** tfjs channels-last [N,H,W,C] / [N,T,H,W,C] -> channels-first data and dims for onnxruntime. */
export function channelsFirst(x: tf.Tensor): { data: Float32Array; dims: number[] } {
  return tf.tidy(() => {
    const perm = x.rank === 4 ? [0, 3, 1, 2] : [0, 1, 4, 2, 3];
    const t = tf.transpose(x, perm);
    return { data: Float32Array.from(t.dataSync() as Float32Array), dims: t.shape };
  });
}

export async function openSession(bytes: Uint8Array, level: 'disabled' | 'basic' | 'extended' | 'all' = 'all'): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, { graphOptimizationLevel: level, intraOpNumThreads: 1, interOpNumThreads: 1 });
}

export async function runSession(session: ort.InferenceSession, input: string, x: tf.Tensor): Promise<Record<string, { data: Float32Array; dims: readonly number[] }>> {
  const { data, dims } = channelsFirst(x);
  const out = await session.run({ [input]: new ort.Tensor('float32', data, dims) });
  const res: Record<string, { data: Float32Array; dims: readonly number[] }> = {};
  for (const [k, v] of Object.entries(out)) res[k] = { data: v.data as Float32Array, dims: v.dims };
  return res;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Index of the largest value of each row of a [rows, k] array. */
export function argmaxRows(values: ArrayLike<number>, k: number): number[] {
  const rows: number[] = [];
  for (let r = 0; r < values.length / k; r++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (values[r * k + j] > values[r * k + best]) best = j;
    rows.push(best);
  }
  return rows;
}

export function softmaxRows(values: ArrayLike<number>, k: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < values.length / k; r++) {
    let max = -Infinity;
    for (let j = 0; j < k; j++) max = Math.max(max, values[r * k + j]);
    let sum = 0;
    for (let j = 0; j < k; j++) sum += out[r * k + j] = Math.exp(values[r * k + j] - max);
    for (let j = 0; j < k; j++) out[r * k + j] /= sum;
  }
  return out;
}

/**
 * Structural facts of an exported model, computed here independently of the exporter's own
 * checkModel; each list must be empty.
 */
export function structureProblems(bytes: Uint8Array): Record<string, string[]> {
  const model = decodeModel(bytes);
  const graph = model.graph!;
  const imports = model.opsetImport!.map((o) => ({ domain: o.domain ?? '', version: Number(o.version) }));
  const inits = new Set(graph.initializer!.map((i) => i.name!));
  const defined = new Set([...graph.input!.map((i) => i.name!), ...inits]);
  const dangling: string[] = [];
  const read = new Set<string>();
  for (const n of graph.node!) {
    for (const i of n.input!) {
      if (i === '') continue;
      read.add(i);
      if (!defined.has(i)) dangling.push(`${n.opType} ${n.name} reads ${i}`);
    }
    for (const o of n.output!) defined.add(o);
  }
  return {
    'IR version 8': Number(model.irVersion) === 8 ? [] : [`ir_version ${String(model.irVersion)}`],
    'only the default domain at opset 17 is imported': imports.length === 1 && imports[0].domain === '' && imports[0].version === OPSET ? [] : [JSON.stringify(imports)],
    'every node is a default-domain operator of opset 17': graph.node!.filter((n) => (n.domain ?? '') !== '' || !OPSET17_OPERATORS.has(n.opType!)).map((n) => `${n.domain}:${n.opType}`),
    'no dangling input (each is a graph input, an initializer or an earlier node output)': dangling,
    'every initializer is used': [...inits].filter((i) => !read.has(i)),
    'every graph output is produced': graph.output!.map((o) => o.name!).filter((o) => !defined.has(o)),
  };
}

