// UnsortedSegmentSum on wasm (missing from the stock backend; it is the gradient of gather, i.e.
// of embedding lookups): out[seg[r], :] += x[r, :] in one JS pass over the wasm heap.
import * as tf from '@tensorflow/tfjs';
import type { KernelArgs, TensorInfo, WasmKernel } from './util.js';
import { runStock, wasmBackend } from './util.js';
import { cpuFallback } from './cpu-fallback.js';

const viaCpu = cpuFallback(tf.UnsortedSegmentSum);

function unsortedSegmentSum(args: KernelArgs): TensorInfo | TensorInfo[] {
  const b = wasmBackend(args.backend);
  const { x, segmentIds } = args.inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const { numSegments } = args.attrs as unknown as tf.UnsortedSegmentSumAttrs;
  if (x.dtype !== 'float32' && x.dtype !== 'int32') return viaCpu.kernelFunc(args);
  const rows = segmentIds.shape.reduce((p, d) => p * d, 1);
  const rest = x.shape.slice(segmentIds.shape.length);
  const inner = rest.reduce((p, d) => p * d, 1);
  const out = b.makeOutput([numSegments, ...rest], x.dtype);
  const dst = b.typedArrayFromHeap(out) as Float32Array | Int32Array;
  dst.fill(0);
  const src = b.typedArrayFromHeap(x) as Float32Array | Int32Array;
  const ids = b.typedArrayFromHeap(segmentIds) as Int32Array;
  for (let r = 0; r < rows; r++) {
    const s = ids[r];
    if (s < 0 || s >= numSegments) continue; // tf semantics: out-of-range ids are dropped
    const from = r * inner;
    const to = s * inner;
    for (let j = 0; j < inner; j++) dst[to + j] += src[from + j];
  }
  return out;
}

export const unsortedSegmentSumKernel: WasmKernel = { kernelName: tf.UnsortedSegmentSum, kernelFunc: unsortedSegmentSum };
