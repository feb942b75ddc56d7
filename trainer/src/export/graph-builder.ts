/**
 * Accumulates an ONNX graph: nodes, initializers and constants, with unique tensor names.
 * Every converter writes through this class; it never encodes protobuf itself (that is
 * `onnx.ModelProto.encode` at the end of the export).
 */
import { AttributeType, DataType, type AttributeProto, type NodeProto, type TensorProto } from './onnx.js';

/** A tfjs symbolic shape: null for dims unknown until run time (batch, time). */
export type Shape = Array<number | null>;

/**
 * How a tfjs tensor is laid out in the ONNX graph.
 * - `channels-first`: an image tensor; tfjs keeps it channels-last ([N,H,W,C], or [N,T,H,W,C]),
 *   the ONNX graph channels-first ([N,C,H,W], or [N,T,C,H,W]). Only for rank 4 and 5.
 * - `plain`: the same axes in the same order in both (tokens [N,L,d], features [N,d], ...).
 */
export type Layout = 'channels-first' | 'plain';

/** A tfjs tensor as the ONNX graph holds it. */
export interface TensorRef {
  /** ONNX value name. */
  name: string;
  /** The tfjs shape (channels-last for images), null where dynamic. */
  shape: Shape;
  layout: Layout;
}

/** Attribute values: integers, integer lists, strings; floats are wrapped with `float()`/`floats()`. */
export type AttrValue = number | number[] | string | { float: number } | { floats: number[] };
export type Attrs = Record<string, AttrValue>;

export const float = (value: number): { float: number } => ({ float: value });
export const floats = (values: number[]): { floats: number[] } => ({ floats: values });

export class ExportError extends Error {
  override name = 'ExportError';
}

function attribute(name: string, v: AttrValue): AttributeProto {
  if (typeof v === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(v) };
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new ExportError(`attribute ${name}=${v}: integer attributes must be integers (wrap floats with float())`);
    return { name, type: AttributeType.INT, i: v };
  }
  if (Array.isArray(v)) {
    if (!v.every(Number.isInteger)) throw new ExportError(`attribute ${name}=${v}: integer list expected`);
    return { name, type: AttributeType.INTS, ints: v };
  }
  if ('float' in v) return { name, type: AttributeType.FLOAT, f: v.float };
  return { name, type: AttributeType.FLOATS, floats: v.floats };
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** float32 values as a TensorProto (raw little-endian bytes). */
export function floatTensor(name: string, dims: number[], data: Float32Array): TensorProto {
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new ExportError(`initializer ${name}: ${data.length} values for dims [${dims}]`);
  let raw: Uint8Array;
  if (LITTLE_ENDIAN) {
    raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  } else {
    const view = new DataView(new ArrayBuffer(data.length * 4));
    data.forEach((x, i) => view.setFloat32(i * 4, x, true));
    raw = new Uint8Array(view.buffer);
  }
  return { name, dims, dataType: DataType.FLOAT, rawData: raw };
}

/** int64 values as a TensorProto; `dims` [] makes a scalar. */
export function int64Tensor(name: string, values: number[], dims: number[] = [values.length]): TensorProto {
  const view = new DataView(new ArrayBuffer(values.length * 8));
  values.forEach((x, i) => view.setBigInt64(i * 8, BigInt(x), true));
  return { name, dims, dataType: DataType.INT64, rawData: new Uint8Array(view.buffer) };
}

/** Reads back the float32 values of an initializer this builder wrote. */
export function floatValues(t: TensorProto): Float32Array {
  if (t.dataType !== DataType.FLOAT || !t.rawData) throw new ExportError(`initializer ${t.name} is not raw float32`);
  const raw = t.rawData;
  const out = new Float32Array(raw.byteLength / 4);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/** Reads back the int64 values of an initializer (as numbers). */
export function int64Values(t: TensorProto): number[] {
  if (t.dataType !== DataType.INT64 || !t.rawData) throw new ExportError(`initializer ${t.name} is not raw int64`);
  const raw = t.rawData;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  return Array.from({ length: raw.byteLength / 8 }, (_, i) => Number(view.getBigInt64(i * 8, true)));
}

export interface NodeOptions {
  /** Output names; a number asks for that many fresh names. Default: one fresh name. */
  outputs?: string[] | number;
  /** Base for fresh output names (default: the op type). */
  base?: string;
}

export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers = new Map<string, TensorProto>();
  private readonly names = new Set<string>();
  private readonly nodeNames = new Set<string>();
  private readonly constants = new Map<string, string>();

  /** Claims a name exactly (graph inputs and outputs); throws if taken. */
  reserve(name: string): string {
    if (this.names.has(name)) throw new ExportError(`tensor name '${name}' is used twice`);
    this.names.add(name);
    return name;
  }

  /** A fresh tensor name: `base`, else `base_1`, `base_2`, ... */
  unique(base: string): string {
    let name = base;
    for (let i = 1; this.names.has(name); i++) name = `${base}_${i}`;
    this.names.add(name);
    return name;
  }

  has(name: string): boolean {
    return this.names.has(name);
  }

  /** Adds a node; returns its output names. Names given in `opts.outputs` must be claimed already. */
  node(opType: string, inputs: string[], attrs: Attrs = {}, opts: NodeOptions = {}): string[] {
    const base = opts.base ?? opType;
    const count = typeof opts.outputs === 'number' ? opts.outputs : 1;
    const outputs = Array.isArray(opts.outputs) ? opts.outputs : Array.from({ length: count }, (_, i) => this.unique(count > 1 ? `${base}_${i}` : base));
    let nodeName = `${opType}:${outputs[0]}`;
    for (let i = 1; this.nodeNames.has(nodeName); i++) nodeName = `${opType}:${outputs[0]}_${i}`;
    this.nodeNames.add(nodeName);
    this.nodes.push({
      name: nodeName,
      opType,
      domain: '',
      input: inputs,
      output: outputs,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return outputs;
  }

  /**
   * Adds a single-output node. `out.name`: the exact output name, already claimed with unique()
   * or reserve(); `out.base`: a base for a fresh name.
   */
  op(opType: string, inputs: string[], attrs: Attrs = {}, out?: { name?: string; base?: string }): string {
    const outputs = out?.name !== undefined ? [out.name] : undefined;
    return this.node(opType, inputs, attrs, { outputs, base: out?.base })[0];
  }

  /** A float32 initializer (weights). */
  weight(base: string, dims: number[], data: Float32Array): string {
    const name = this.unique(base);
    this.initializers.set(name, floatTensor(name, dims, data));
    return name;
  }

  /** An int64 constant initializer, shared between identical uses. */
  int64(values: number[], dims: number[] = [values.length]): string {
    const key = `i64:${dims.join('x')}:${values.join(',')}`;
    const known = this.constants.get(key);
    if (known) return known;
    const name = this.unique(`const_i64_${dims.length === 0 ? 'scalar_' : ''}${values.map((v) => (v < 0 ? `m${-v}` : String(v))).join('_')}`);
    this.initializers.set(name, int64Tensor(name, values, dims));
    this.constants.set(key, name);
    return name;
  }

  /** A float32 constant initializer, shared between identical uses. */
  floatConst(values: number[], dims: number[] = [values.length]): string {
    const key = `f32:${dims.join('x')}:${values.join(',')}`;
    const known = this.constants.get(key);
    if (known) return known;
    const name = this.unique(`const_f32_${values.length === 1 ? String(values[0]).replace(/[^0-9a-z]/gi, '_') : values.length}`);
    this.initializers.set(name, floatTensor(name, dims, Float32Array.from(values)));
    this.constants.set(key, name);
    return name;
  }
}
