/**
 * Weight-only quantization of an exported model, in the default domain at opset 17 (so the file
 * stays portable and passes checkModel):
 * - fp16: large float32 initializers are stored as float16 and turned back into float32 by a
 *   Cast node (onnxruntime folds it at load: compute stays float32, the file halves);
 * - int8: large float32 initializers are stored as symmetric int8 with one scale per output
 *   channel (Conv weights: axis 0; MatMul/Gemm B, LSTM W/R: axis 1; else one scale) and restored
 *   by DequantizeLinear; the file shrinks ~4x. Activations stay float32.
 */
import { AttributeType, DataType, decodeModel, encodeModel, type NodeProto, type TensorProto } from './onnx.js';
import { ExportError, floatTensor, floatValues } from './graph-builder.js';
import { checkModel } from './checks.js';

export type QuantizeMode = 'fp16' | 'int8';

export interface QuantizeOptions {
  /** Initializers with fewer elements stay float32 (biases, norms, small tables). Default 1024. */
  minElements?: number;
}

export interface QuantizeResult {
  bytes: Uint8Array;
  /** Initializers quantized, and their element count. */
  tensors: number;
  elements: number;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 -> IEEE half bits, round to nearest even. */
export function toHalfBits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // inf / nan
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow -> inf
  if (e <= 0) {
    if (e < -10) return sign; // underflow -> 0
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let m = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    if (rest > half || (rest === half && m & 1)) m++;
    return sign | m;
  }
  let m = mant >>> 13;
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && m & 1)) {
    m++;
    if (m === 0x400) {
      m = 0;
      e++;
      if (e >= 0x1f) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | m;
}

/** The channel axis of a weight, from the node that reads it. */
function channelAxis(node: NodeProto, inputIndex: number, dims: number[]): number | undefined {
  if (dims.length < 2) return undefined;
  if (node.opType === 'Conv' && inputIndex === 1) return 0;
  if (node.opType === 'MatMul' && inputIndex === 1 && dims.length === 2) return 1;
  if (node.opType === 'Gemm' && inputIndex === 1) {
    const transB = node.attribute?.find((a) => a.name === 'transB')?.i;
    return Number(transB ?? 0) === 1 ? 0 : 1;
  }
  if (node.opType === 'LSTM' && (inputIndex === 1 || inputIndex === 2)) return 1;
  return undefined;
}

function int8Tensor(name: string, dims: number[], values: Int8Array): TensorProto {
  return { name, dims, dataType: DataType.INT8, rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) };
}

/** Quantizes the weights of an exported model; the result passes checkModel. */
export function quantizeWeights(bytes: Uint8Array, mode: QuantizeMode, opts: QuantizeOptions = {}): QuantizeResult {
  const minElements = opts.minElements ?? 1024;
  const model = decodeModel(bytes);
  const graph = model.graph!;
  const nodes = graph.node ?? [];
  const readers = new Map<string, Array<{ node: NodeProto; index: number }>>();
  for (const node of nodes) (node.input ?? []).forEach((name, index) => readers.set(name, [...(readers.get(name) ?? []), { node, index }]));
  const taken = new Set<string>([...(graph.initializer ?? []).map((t) => t.name!), ...nodes.flatMap((n) => n.output ?? [])]);
  const fresh = (base: string) => {
    let n = base;
    for (let i = 1; taken.has(n); i++) n = `${base}_${i}`;
    taken.add(n);
    return n;
  };
  const initializers: TensorProto[] = [];
  const restore: NodeProto[] = [];
  let tensors = 0;
  let elements = 0;
  for (const t of graph.initializer ?? []) {
    const dims = (t.dims ?? []).map(Number);
    const count = dims.reduce((a, b) => a * b, 1);
    if (t.dataType !== DataType.FLOAT || count < minElements || !readers.has(t.name!)) {
      initializers.push(t);
      continue;
    }
    const values = floatValues(t);
    const name = t.name!;
    tensors++;
    elements += count;
    if (mode === 'fp16') {
      const half = new Uint16Array(count);
      for (let i = 0; i < count; i++) half[i] = toHalfBits(values[i]);
      const stored = fresh(`${name}_fp16`);
      initializers.push({ name: stored, dims, dataType: DataType.FLOAT16, rawData: new Uint8Array(half.buffer) });
      restore.push({ name: `Cast:${name}`, opType: 'Cast', domain: '', input: [stored], output: [name], attribute: [{ name: 'to', type: AttributeType.INT, i: DataType.FLOAT }] });
      continue;
    }
    // int8: per-channel when every reader agrees on the channel axis
    const axes = new Set(readers.get(name)!.map((r) => channelAxis(r.node, r.index, dims)));
    const axis = axes.size === 1 ? [...axes][0] : undefined;
    const channels = axis === undefined ? 1 : dims[axis];
    const inner = axis === undefined ? count : dims.slice(axis + 1).reduce((a, b) => a * b, 1);
    const chanOf = (i: number) => (axis === undefined ? 0 : Math.floor(i / inner) % channels);
    const maxAbs = new Float64Array(channels);
    for (let i = 0; i < count; i++) maxAbs[chanOf(i)] = Math.max(maxAbs[chanOf(i)], Math.abs(values[i]));
    const scale = Float32Array.from(maxAbs, (m) => (m > 0 ? m / 127 : 1));
    const q = new Int8Array(count);
    for (let i = 0; i < count; i++) q[i] = Math.max(-127, Math.min(127, Math.round(values[i] / scale[chanOf(i)])));
    const stored = fresh(`${name}_int8`);
    const scaleName = fresh(`${name}_scale`);
    initializers.push(int8Tensor(stored, dims, q), floatTensor(scaleName, axis === undefined ? [] : [channels], scale));
    restore.push({
      name: `DequantizeLinear:${name}`,
      opType: 'DequantizeLinear',
      domain: '',
      input: [stored, scaleName],
      output: [name],
      attribute: axis === undefined ? [] : [{ name: 'axis', type: AttributeType.INT, i: axis }],
    });
  }
  if (tensors === 0) throw new ExportError(`nothing to quantize: no float32 initializer has ${minElements} elements or more`);
  graph.initializer = initializers;
  graph.node = [...restore, ...nodes];
  model.metadataProps = [...(model.metadataProps ?? []).filter((p) => p.key !== 'amft.quantization'), { key: 'amft.quantization', value: JSON.stringify({ mode, weightsOnly: true, tensors, elements }) }];
  const problems = checkModel(model);
  if (problems.length) throw new ExportError(`the ${mode} model failed its checks:\n  ${problems.join('\n  ')}`);
  return { bytes: encodeModel(model), tensors, elements };
}
