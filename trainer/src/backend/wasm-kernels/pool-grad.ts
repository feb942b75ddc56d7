// MaxPoolGrad and AvgPoolGrad on wasm (NHWC, 2-D) as JS scatter loops over the wasm heap: each
// output pixel sends its gradient to the window's (first) maximum, or spreads it over the window
// with tfjs's constant 1/(kh*kw) factor. The stock kernels are 10-20x slower than the forward pool.
import * as tf from '@tensorflow/tfjs';
import type { KernelArgs, TensorInfo, WasmKernel } from './util.js';
import { wasmBackend } from './util.js';

type PoolAttrs = { filterSize: [number, number] | number; strides: [number, number] | number; pad: 'valid' | 'same' | number; dimRoundingMode?: 'floor' | 'round' | 'ceil' };

function maxPoolGrad({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const b = wasmBackend(backend);
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as PoolAttrs;
  const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
  const { top, left } = info.padInfo;
  const out = b.makeOutput(input.shape, 'float32');
  const dx = b.typedArrayFromHeap(out) as Float32Array;
  dx.fill(0);
  const xs = b.typedArrayFromHeap(input) as Float32Array;
  const dys = b.typedArrayFromHeap(dy) as Float32Array;
  const best = new Float64Array(c);
  const where = new Int32Array(c);
  for (let bi = 0; bi < n; bi++) {
    for (let r = 0; r < oh; r++) {
      const r0 = Math.max(0, r * sh - top);
      const r1 = Math.min(h, r * sh - top + kh);
      for (let q = 0; q < ow; q++) {
        const c0 = Math.max(0, q * sw - left);
        const c1 = Math.min(w, q * sw - left + kw);
        best.fill(-Infinity);
        where.fill(-1);
        for (let i = r0; i < r1; i++) {
          for (let j = c0; j < c1; j++) {
            const off = ((bi * h + i) * w + j) * c;
            for (let ch = 0; ch < c; ch++) {
              const v = xs[off + ch];
              if (v > best[ch]) {
                best[ch] = v;
                where[ch] = off + ch;
              }
            }
          }
        }
        const dyOff = ((bi * oh + r) * ow + q) * c;
        for (let ch = 0; ch < c; ch++) if (where[ch] >= 0) dx[where[ch]] += dys[dyOff + ch];
      }
    }
  }
  return out;
}

function avgPoolGrad({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const b = wasmBackend(backend);
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  const { filterSize, strides, pad } = attrs as unknown as PoolAttrs;
  const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad);
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
  const { top, left } = info.padInfo;
  const scale = 1 / (kh * kw);
  const out = b.makeOutput(input.shape, 'float32');
  const dx = b.typedArrayFromHeap(out) as Float32Array;
  dx.fill(0);
  const dys = b.typedArrayFromHeap(dy) as Float32Array;
  for (let bi = 0; bi < n; bi++) {
    for (let r = 0; r < oh; r++) {
      const r0 = Math.max(0, r * sh - top);
      const r1 = Math.min(h, r * sh - top + kh);
      for (let q = 0; q < ow; q++) {
        const c0 = Math.max(0, q * sw - left);
        const c1 = Math.min(w, q * sw - left + kw);
        const dyOff = ((bi * oh + r) * ow + q) * c;
        for (let i = r0; i < r1; i++) {
          for (let j = c0; j < c1; j++) {
            const off = ((bi * h + i) * w + j) * c;
            for (let ch = 0; ch < c; ch++) dx[off + ch] += dys[dyOff + ch] * scale;
          }
        }
      }
    }
  }
  return out;
}

export const maxPoolGradKernel: WasmKernel = { kernelName: tf.MaxPoolGrad, kernelFunc: maxPoolGrad };
export const avgPoolGradKernel: WasmKernel = { kernelName: tf.AvgPoolGrad, kernelFunc: avgPoolGrad };
