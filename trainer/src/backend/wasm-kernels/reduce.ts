// Sum and Mean over leading axes (batch-norm statistics and their gradients reduce [N, H, W] of
// NHWC tensors). Stock wasm first transposes the reduced axes innermost with its slow transpose;
// here the tensor is read as [rows, cols] and summed down the rows in one pass (float64
// accumulators). Other reductions: stock.
import * as tf from '@tensorflow/tfjs';
import type { KernelArgs, TensorInfo, WasmKernel } from './util.js';
import { runStock, wasmBackend } from './util.js';

/** Column sums of a row-major [rows, cols] array, into a float64 accumulator. */
export function columnSums(x: Float32Array, rows: number, cols: number): Float64Array {
  const acc = new Float64Array(cols);
  let r = 0;
  // four rows per pass: fewer loads/stores of the accumulators
  for (; r + 4 <= rows; r += 4) {
    const o = r * cols;
    for (let j = 0; j < cols; j++) acc[j] += x[o + j] + x[o + cols + j] + (x[o + 2 * cols + j] + x[o + 3 * cols + j]);
  }
  for (; r < rows; r++) {
    const o = r * cols;
    for (let j = 0; j < cols; j++) acc[j] += x[o + j];
  }
  return acc;
}

function leadingAxesReduction(kernelName: string, mean: boolean) {
  return ({ inputs, backend, attrs }: KernelArgs): TensorInfo => {
    const b = wasmBackend(backend);
    const x = inputs.x as TensorInfo;
    const { axis, keepDims } = attrs as unknown as tf.SumAttrs;
    const rank = x.shape.length;
    const axes = tf.util.parseAxisParam(axis, x.shape).sort((p, q) => p - q);
    const leading = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i);
    if (!leading || x.dtype !== 'float32') return runStock(kernelName, b, inputs, attrs);
    const rows = x.shape.slice(0, axes.length).reduce((p, d) => p * d, 1);
    const rest = x.shape.slice(axes.length);
    const cols = rest.reduce((p, d) => p * d, 1);
    const out = b.makeOutput(keepDims ? [...axes.map(() => 1), ...rest] : rest, 'float32');
    const sums = columnSums(b.typedArrayFromHeap(x) as Float32Array, rows, cols);
    const dst = b.typedArrayFromHeap(out) as Float32Array;
    const scale = mean && rows > 0 ? 1 / rows : 1;
    for (let j = 0; j < cols; j++) dst[j] = sums[j] * scale;
    return out;
  };
}

export const sumKernel: WasmKernel = { kernelName: tf.Sum, kernelFunc: leadingAxesReduction(tf.Sum, false) };
export const meanKernel: WasmKernel = { kernelName: tf.Mean, kernelFunc: leadingAxesReduction(tf.Mean, true) };
