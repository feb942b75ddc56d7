// Slice on wasm. The stock kernel starts with backend.readSync(x), which copies the whole input
// out of the wasm heap on every call (~1 ms to take one [144, 32] entry out of a [256, 144, 32]
// tensor); this one copies only the selected runs, straight between heap views.
import * as tf from '@tensorflow/tfjs';
import type { KernelArgs, TensorInfo, WasmKernel } from './util.js';
import { runStock, wasmBackend } from './util.js';

type Heap = Float32Array | Int32Array | Uint8Array;

/** Copies x[begin : begin + size] (row-major, any rank) into dst. */
export function copySlice(src: Heap, dst: Heap, shape: readonly number[], begin: readonly number[], size: readonly number[]): void {
  const r = shape.length;
  if (r === 0) {
    dst[0] = src[0];
    return;
  }
  const stride: number[] = new Array<number>(r);
  for (let d = r - 1, s = 1; d >= 0; d--) {
    stride[d] = s;
    s *= shape[d];
  }
  // axes after k are taken whole, so each copy is one contiguous run of size[k] * stride[k]
  let k = r - 1;
  while (k > 0 && begin[k] === 0 && size[k] === shape[k]) k--;
  const run = size[k] * stride[k];
  const idx = new Array<number>(k).fill(0);
  for (let to = 0; to < dst.length; to += run) {
    let from = begin[k] * stride[k];
    for (let d = 0; d < k; d++) from += (begin[d] + idx[d]) * stride[d];
    dst.set(src.subarray(from, from + run), to);
    for (let d = k - 1; d >= 0; d--) {
      if (++idx[d] < size[d]) break;
      idx[d] = 0;
    }
  }
}

function slice({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const b = wasmBackend(backend);
  const x = inputs.x as TensorInfo;
  if (x.dtype === 'string' || x.dtype === 'complex64') return runStock(tf.Slice, b, inputs, attrs);
  const { begin, size } = attrs as unknown as tf.SliceAttrs;
  const [b0, s0] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
  const out = b.makeOutput(s0, x.dtype);
  if (s0.some((d) => d === 0)) return out;
  copySlice(b.typedArrayFromHeap(x) as Heap, b.typedArrayFromHeap(out) as Heap, x.shape, b0, s0);
  return out;
}

export const sliceKernel: WasmKernel = { kernelName: tf.Slice, kernelFunc: slice };
