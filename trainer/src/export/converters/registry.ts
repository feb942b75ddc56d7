/**
 * Per-layer converters: one per tfjs layer className. A converter receives the layer (its config
 * and weights), the ONNX tensors of its inputs, and a GraphBuilder; it emits nodes and returns the
 * ONNX tensors of the layer's outputs. Adding a layer type to the exporter means writing one
 * converter file and adding it to `converters/index.ts`.
 */
import type * as tf from '@tensorflow/tfjs';
import { ExportError, type GraphBuilder, type Shape, type TensorRef } from '../graph-builder.js';

/** A weight's value, copied out of tfjs. */
export interface WeightValue {
  data: Float32Array;
  shape: number[];
}

export interface ConvertContext {
  readonly g: GraphBuilder;
  readonly layer: tf.layers.Layer;
  readonly className: string;
  /** `layer.getConfig()`. */
  readonly config: tf.serialization.ConfigDict;
  /** The ONNX tensors of the layer call's inputs, in order. */
  readonly inputs: TensorRef[];
  /** The tfjs shapes of the call's outputs. */
  readonly outputShapes: Shape[];
  /** Base for the names of this call's tensors: the layer name (plus `:k` for a layer's k-th call). */
  readonly prefix: string;
  /** A weight by its short name ('kernel', 'gamma', 'moving_mean', ...); throws if absent. */
  weight(name: string): WeightValue;
  hasWeight(name: string): boolean;
  /** The conventional name of output `i` (the prefix, or `prefix:i`); claim it with g.op(..., { name }). */
  outputName(i?: number): string;
  /** An error that names the layer. */
  error(message: string): ExportError;
}

export interface LayerConverter {
  /** tfjs className (`layer.getClassName()`), e.g. 'Conv2D' or 'AmftTorchLstm'. */
  readonly className: string;
  convert(ctx: ConvertContext): TensorRef[];
}

export class ConverterRegistry {
  private readonly byClass = new Map<string, LayerConverter>();

  constructor(converters: Iterable<LayerConverter> = []) {
    for (const c of converters) this.register(c);
  }

  register(converter: LayerConverter): this {
    if (this.byClass.has(converter.className)) throw new ExportError(`a converter for ${converter.className} is already registered`);
    this.byClass.set(converter.className, converter);
    return this;
  }

  get(className: string): LayerConverter | undefined {
    return this.byClass.get(className);
  }

  has(className: string): boolean {
    return this.byClass.has(className);
  }

  classNames(): string[] {
    return [...this.byClass.keys()].sort();
  }
}

/** The short name of a layer variable: 'stem_conv/kernel' -> 'kernel'. */
export function shortWeightName(v: tf.LayerVariable): string {
  const full = (v as unknown as { originalName?: string }).originalName ?? v.name;
  return full.slice(full.lastIndexOf('/') + 1);
}

/** Reads a layer's weight by short name; the data is a copy, safe to change. */
export function readWeight(layer: tf.layers.Layer, name: string): WeightValue | undefined {
  const v = layer.weights.find((w) => shortWeightName(w) === name);
  if (!v) return undefined;
  const t = v.read();
  if (t.dtype !== 'float32') throw new ExportError(`${layer.name}: weight ${name} is ${t.dtype}, only float32 is exported`);
  return { data: Float32Array.from(t.dataSync() as Float32Array), shape: [...t.shape] };
}
