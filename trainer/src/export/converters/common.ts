/** Helpers shared by the layer converters. */
import { float, type Layout, type Shape, type TensorRef } from '../graph-builder.js';
import { onnxAxis } from '../layout.js';
import type { ConvertContext } from './registry.js';

/** The single input of a one-input layer, optionally checked for its layout. */
export function singleInput(ctx: ConvertContext, layout?: Layout): TensorRef {
  if (ctx.inputs.length !== 1) throw ctx.error(`expects one input, got ${ctx.inputs.length}`);
  const x = ctx.inputs[0];
  if (layout !== undefined && x.layout !== layout) throw ctx.error(`expects a ${layout} input, got ${x.layout} [${x.shape}]`);
  return x;
}

/** An image input: rank 4, channels-first in ONNX. */
export function imageInput(ctx: ConvertContext, x: TensorRef = singleInput(ctx)): TensorRef {
  if (x.shape.length !== 4 || x.layout !== 'channels-first') throw ctx.error(`expects an image [N,H,W,C], got rank ${x.shape.length} (${x.layout})`);
  return x;
}

export function requireChannelsLast(ctx: ConvertContext): void {
  const f = ctx.config.dataFormat;
  if (f !== undefined && f !== null && f !== 'channelsLast') throw ctx.error(`dataFormat ${String(f)} is not supported (channelsLast only)`);
}

export function pair(v: unknown, what: string, ctx: ConvertContext): [number, number] {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number')) return [v[0] as number, v[1] as number];
  throw ctx.error(`cannot read ${what} ${JSON.stringify(v)}`);
}

/** The output TensorRef of a call: name, the tfjs output shape, and a layout. */
export function out(ctx: ConvertContext, name: string, layout: Layout, i = 0): TensorRef {
  return { name, shape: ctx.outputShapes[i], layout };
}

/**
 * ONNX `pads` [top, left, bottom, right] for tfjs 'valid'/'same' padding. 'same' pads like
 * TensorFlow: total = max((ceil(in/s) - 1) * s + (k-1) * d + 1 - in, 0), the odd pixel at the end.
 * Returns null when a spatial size is unknown (then auto_pad SAME_UPPER does the same at run time).
 */
export function spatialPads(
  padding: unknown,
  inShape: Shape,
  kernel: [number, number],
  strides: [number, number],
  dilations: [number, number],
  ctx: ConvertContext,
): number[] | null {
  if (padding === 'valid') return [0, 0, 0, 0];
  if (padding !== 'same') throw ctx.error(`padding ${String(padding)} is not supported`);
  const before: number[] = [];
  const after: number[] = [];
  for (let a = 0; a < 2; a++) {
    const size = inShape[1 + a];
    if (size == null) return null;
    const outSize = Math.ceil(size / strides[a]);
    const total = Math.max((outSize - 1) * strides[a] + (kernel[a] - 1) * dilations[a] + 1 - size, 0);
    before.push(Math.floor(total / 2));
    after.push(total - Math.floor(total / 2));
  }
  return [...before, ...after];
}

/** Pads or auto_pad attributes for a conv/pool node. */
export function padAttrs(pads: number[] | null): { pads: number[] } | { auto_pad: string } {
  return pads === null ? { auto_pad: 'SAME_UPPER' } : { pads };
}

/** `pads` (or auto_pad) attributes for a conv/pool node from tfjs padding. */
export function pads2dAttrs(
  padding: unknown,
  inShape: Shape,
  kernel: [number, number],
  strides: [number, number],
  dilations: [number, number],
  ctx: ConvertContext,
): { pads: number[] } | { auto_pad: string } {
  return padAttrs(spatialPads(padding, inShape, kernel, strides, dilations, ctx));
}

/** tfjs conv kernel [kh, kw, cin, cout] -> ONNX [cout, cin, kh, kw]. */
export function convKernelToOnnx(data: Float32Array, shape: number[]): { data: Float32Array; dims: number[] } {
  const [kh, kw, cin, cout] = shape;
  const outData = new Float32Array(data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++) outData[((o * cin + i) * kh + y) * kw + x] = data[((y * kw + x) * cin + i) * cout + o];
  return { data: outData, dims: [cout, cin, kh, kw] };
}

/** Activation names of tfjs (serialized) that the exporter knows. */
export const ACTIVATIONS = ['linear', 'relu', 'relu6', 'sigmoid', 'tanh', 'softmax', 'elu', 'selu', 'softplus', 'softsign'] as const;

/**
 * Emits a tfjs activation on `x`. `name` is the output's (claimed) name, or undefined for a fresh
 * one. Returns x itself for 'linear' when no name is asked for.
 */
export function emitActivation(ctx: ConvertContext, x: TensorRef, activation: unknown, name?: string): TensorRef {
  const act = activation == null ? 'linear' : String(activation);
  const opts = name !== undefined ? { name } : { base: `${ctx.prefix}/${act}` };
  const unary = (op: string, attrs = {}) => ({ ...x, name: ctx.g.op(op, [x.name], attrs, opts) });
  switch (act) {
    case 'linear':
      return name === undefined ? x : unary('Identity');
    case 'relu':
      return unary('Relu');
    case 'relu6':
      return { ...x, name: ctx.g.op('Clip', [x.name, ctx.g.floatConst([0], []), ctx.g.floatConst([6], [])], {}, opts) };
    case 'sigmoid':
      return unary('Sigmoid');
    case 'tanh':
      return unary('Tanh');
    case 'softmax':
      // tfjs: softmax over the last (channel) axis
      return unary('Softmax', { axis: onnxAxis(x, -1) });
    case 'elu':
      return unary('Elu', { alpha: float(1) });
    case 'selu':
      // tfjs' selu constants are ONNX's defaults
      return unary('Selu');
    case 'softplus':
      return unary('Softplus');
    case 'softsign':
      return unary('Softsign');
    default:
      throw ctx.error(`activation '${act}' is not supported (known: ${ACTIVATIONS.join(', ')})`);
  }
}
