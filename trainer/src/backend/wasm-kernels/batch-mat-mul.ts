// BatchMatMul on wasm. The stock kernel only uses XNNPACK's GEMM for a single, untransposed
// product; transposed operands (every matMul gradient: dA = dC B^T, dB = A^T dC) and batches go
// through a naive blocked loop (~1-2 GFLOP/s: a dense layer's dW took 12x its forward time).
// Here: transposed operands are materialised (fast transpose), a shared right operand turns the
// batch into one tall GEMM, and real batches of non-tiny products run one GEMM per batch entry.
import * as tf from '@tensorflow/tfjs';
import { smallBatchMatMul } from './small-batch-mat-mul.js';
import { transposeFast } from './transpose.js';
import type { BackendWasm, KernelArgs, TensorInfo, WasmKernel } from './util.js';
import { concat, free, reshape, runStock, slice, wasmBackend } from './util.js';

/**
 * Up to this many multiply-adds per batch entry, real batches run in the JS loop. Since slice.ts
 * stopped the stock Slice kernel from copying the whole input per call, one GEMM per entry wins
 * from 16x16x16 entries up (512 entries: 3.1 ms vs 5.2 ms in JS; 256 x 36x32x36: 7-12 ms vs
 * 25 ms; 256 x 144x32x144: 23 ms vs 390 ms).
 */
const MAX_JS_MACS_PER_ENTRY = 2048;

const size = (shape: readonly number[]) => shape.reduce((a, d) => a * d, 1);

/** x [..., r, c] -> [..., c, r] */
function swapLast(b: BackendWasm, x: TensorInfo): TensorInfo {
  const r = x.shape.length;
  const perm = [...Array(r).keys()];
  perm[r - 2] = r - 1;
  perm[r - 1] = r - 2;
  return transposeFast(b, x, perm);
}

function stockGemm(b: BackendWasm, a3: TensorInfo, b3: TensorInfo): TensorInfo {
  return runStock(tf.BatchMatMul, b, { a: a3, b: b3 }, { transposeA: false, transposeB: false });
}

function batchMatMul({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const b = wasmBackend(backend);
  const { a, b: bIn } = inputs as { a: TensorInfo; b: TensorInfo };
  const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
  if (a.dtype !== 'float32' || bIn.dtype !== 'float32') return runStock(tf.BatchMatMul, b, inputs, attrs);
  const batchA = size(a.shape.slice(0, -2));
  const batchB = size(bIn.shape.slice(0, -2));
  const m = transposeA ? a.shape[a.shape.length - 1] : a.shape[a.shape.length - 2];
  const k = transposeA ? a.shape[a.shape.length - 2] : a.shape[a.shape.length - 1];
  const n = transposeB ? bIn.shape[bIn.shape.length - 2] : bIn.shape[bIn.shape.length - 1];
  const perEntry = m * k * n;
  const outShape = [...tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), bIn.shape.slice(0, -2)), m, n];
  const realBatch = batchB > 1 && (batchA === batchB || batchA === 1);
  if (realBatch && perEntry <= MAX_JS_MACS_PER_ENTRY) return smallBatchMatMul(b, a, bIn, transposeA, transposeB, outShape);
  const fastPath = batchB === 1 || realBatch;
  if (!fastPath || (!transposeA && !transposeB && batchA === 1 && batchB === 1)) return runStock(tf.BatchMatMul, b, inputs, attrs);

  const aT = transposeA ? swapLast(b, a) : a; // [..., m, k]
  const bT = transposeB ? swapLast(b, bIn) : bIn; // [..., k, n]
  let out3: TensorInfo;
  if (batchB === 1) {
    // every entry of A meets the same B: one [batchA*m, k] x [k, n] GEMM
    const a3 = reshape(b, aT, [1, batchA * m, k]);
    const b3 = reshape(b, bT, [1, k, n]);
    out3 = stockGemm(b, a3, b3);
    free(b, a3, b3);
  } else {
    const a3 = reshape(b, aT, [batchA, m, k]);
    const b3 = reshape(b, bT, [batchB, k, n]);
    const parts: TensorInfo[] = [];
    for (let i = 0; i < batchB; i++) {
      const ai = slice(b, a3, [batchA === 1 ? 0 : i, 0, 0], [1, m, k]); // batchA 1: broadcast
      const bi = slice(b, b3, [i, 0, 0], [1, k, n]);
      parts.push(stockGemm(b, ai, bi));
      free(b, ai, bi);
    }
    out3 = parts.length === 1 ? parts[0] : concat(b, parts, 0);
    if (parts.length > 1) free(b, ...parts);
    free(b, a3, b3);
  }
  if (aT !== a) free(b, aT);
  if (bT !== bIn) free(b, bT);
  const out = reshape(b, out3, outShape);
  free(b, out3);
  return out;
}

export const batchMatMulKernel: WasmKernel = { kernelName: tf.BatchMatMul, kernelFunc: batchMatMul };
