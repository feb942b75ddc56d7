// Tile on wasm as block copies (TypedArray.copyWithin, i.e. memmove) on the wasm heap. The stock
// kernel computes every output element's source index (~300 ms to tile a [1,1,1,32] batch-norm
// statistic to [64,48,48,32], which tfjs's batch-norm gradient does on every layer).
import * as tf from '@tensorflow/tfjs';
import type { KernelArgs, TensorInfo, WasmKernel } from './util.js';
import { runStock, wasmBackend } from './util.js';

type Heap = Float32Array | Int32Array | Uint8Array;

/** Writes tile(src, reps) into dst (row-major). */
export function tileInto(src: Heap, dst: Heap, shape: readonly number[], reps: readonly number[]): void {
  const r = shape.length;
  const inStride: number[] = new Array<number>(r);
  const outStride: number[] = new Array<number>(r);
  let si = 1;
  let so = 1;
  for (let d = r - 1; d >= 0; d--) {
    inStride[d] = si;
    outStride[d] = so;
    si *= shape[d];
    so *= shape[d] * reps[d];
  }
  // copies the block [dstOff, dstOff + len) right after itself until it fills len * times
  const replicate = (dstOff: number, len: number, times: number) => {
    const total = len * times;
    for (let filled = len; filled < total; ) {
      const n = Math.min(filled, total - filled);
      dst.copyWithin(dstOff + filled, dstOff, dstOff + n);
      filled += n;
    }
  };
  const fill = (d: number, srcOff: number, dstOff: number): void => {
    if (d === r - 1) {
      dst.set(src.subarray(srcOff, srcOff + shape[d]), dstOff);
    } else {
      for (let i = 0; i < shape[d]; i++) fill(d + 1, srcOff + i * inStride[d], dstOff + i * outStride[d]);
    }
    replicate(dstOff, shape[d] * (d === r - 1 ? 1 : outStride[d]), reps[d]);
  };
  if (r === 0) dst.set(src);
  else fill(0, 0, 0);
}

function tile({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const b = wasmBackend(backend);
  const x = inputs.x as TensorInfo;
  const { reps } = attrs as unknown as tf.TileAttrs;
  if (x.dtype === 'string' || x.dtype === 'complex64') return runStock(tf.Tile, b, inputs, attrs);
  const out = b.makeOutput(x.shape.map((d, i) => d * reps[i]), x.dtype);
  if (out.shape.some((d) => d === 0)) return out;
  tileInto(b.typedArrayFromHeap(x) as Heap, b.typedArrayFromHeap(out) as Heap, x.shape, reps);
  return out;
}

export const tileKernel: WasmKernel = { kernelName: tf.Tile, kernelFunc: tile };
