/**
 * Axis bookkeeping between tfjs (channels-last) and the ONNX graph (channels-first for images).
 */
import { ExportError, type Shape, type TensorRef } from './graph-builder.js';

/** Normalizes a possibly negative axis of a tensor of `rank`. */
export function normalizeAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new ExportError(`axis ${axis} is out of range for rank ${rank}`);
  return a;
}

/**
 * For each ONNX axis, the tfjs axis it holds. Channels-first images move the last tfjs axis (C)
 * in front of the two spatial ones: [N,H,W,C] -> [N,C,H,W], [N,T,H,W,C] -> [N,T,C,H,W].
 */
export function onnxToTfAxes(ref: Pick<TensorRef, 'shape' | 'layout'>): number[] {
  const r = ref.shape.length;
  const axes = Array.from({ length: r }, (_, i) => i);
  if (ref.layout === 'plain') return axes;
  if (r < 4) throw new ExportError(`a channels-first tensor needs rank 4 or 5, got rank ${r}`);
  return [...axes.slice(0, r - 3), r - 1, r - 3, r - 2];
}

/** The ONNX axis that holds tfjs axis `tfAxis`. */
export function onnxAxis(ref: Pick<TensorRef, 'shape' | 'layout'>, tfAxis: number): number {
  const a = normalizeAxis(tfAxis, ref.shape.length);
  return onnxToTfAxes(ref).indexOf(a);
}

/** The tensor's shape in the ONNX graph. */
export function onnxShape(ref: Pick<TensorRef, 'shape' | 'layout'>): Shape {
  return onnxToTfAxes(ref).map((a) => ref.shape[a]);
}

/** Perm for ONNX Transpose that turns a channels-first tensor back into tfjs order. */
export function toChannelsLastPerm(rank: number): number[] {
  const axes = Array.from({ length: rank }, (_, i) => i);
  return [...axes.slice(0, rank - 3), rank - 2, rank - 1, rank - 3];
}

/** Perm for ONNX Transpose that turns a tfjs-order image tensor channels-first. */
export function toChannelsFirstPerm(rank: number): number[] {
  const axes = Array.from({ length: rank }, (_, i) => i);
  return [...axes.slice(0, rank - 3), rank - 1, rank - 3, rank - 2];
}

export function staticDims(shape: Shape, what: string): number[] {
  return shape.map((d, i) => {
    if (d == null) throw new ExportError(`${what}: dimension ${i} of [${shape.map((x) => x ?? '?')}] must be known`);
    return d;
  });
}
