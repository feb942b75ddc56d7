// Batched products of small matrices (attention: [N, heads, L, L] x [N, heads, L, dh]) in plain
// JS over the wasm heap. One XNNPACK GEMM per batch entry costs ~1 ms of setup, slicing and
// concatenation; 256 entries of 36x32x36 took 150-350 ms that this loop does in ~10-20 ms.
import type { BackendWasm, TensorInfo } from './util.js';

/**
 * C[e] = op(A[e]) x op(B[e]) for e in 0..batch-1, where op transposes when asked; a batch size
 * of 1 on either side broadcasts. Shapes are [batch, rows, cols] of the stored (untransposed) data.
 */
export function smallBatchMatMul(
  backend: BackendWasm,
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  outShape: number[],
): TensorInfo {
  const rankA = a.shape.length;
  const rankB = b.shape.length;
  const aRows = a.shape[rankA - 2];
  const aCols = a.shape[rankA - 1];
  const bRows = b.shape[rankB - 2];
  const bCols = b.shape[rankB - 1];
  const m = transposeA ? aCols : aRows;
  const k = transposeA ? aRows : aCols;
  const n = transposeB ? bRows : bCols;
  const batchA = a.shape.slice(0, -2).reduce((x, y) => x * y, 1);
  const batchB = b.shape.slice(0, -2).reduce((x, y) => x * y, 1);
  const batch = Math.max(batchA, batchB);
  const out = backend.makeOutput(outShape, 'float32');
  const av = backend.typedArrayFromHeap(a) as Float32Array;
  const bv = backend.typedArrayFromHeap(b) as Float32Array;
  const cv = backend.typedArrayFromHeap(out) as Float32Array;
  // element (row, col) of op(A) is at rowStride*row + colStride*col within an entry
  const aRowStride = transposeA ? 1 : aCols;
  const aColStride = transposeA ? aCols : 1;
  const bRowStride = transposeB ? 1 : bCols;
  const bColStride = transposeB ? bCols : 1;
  const aSize = aRows * aCols;
  const bSize = bRows * bCols;
  const row = new Float32Array(n);
  for (let e = 0; e < batch; e++) {
    const aOff = (batchA === 1 ? 0 : e) * aSize;
    const bOff = (batchB === 1 ? 0 : e) * bSize;
    const cOff = e * m * n;
    for (let i = 0; i < m; i++) {
      row.fill(0);
      for (let p = 0; p < k; p++) {
        const aip = av[aOff + i * aRowStride + p * aColStride];
        if (aip === 0) continue;
        const bBase = bOff + p * bRowStride;
        if (bColStride === 1) {
          for (let j = 0; j < n; j++) row[j] += aip * bv[bBase + j];
        } else {
          for (let j = 0; j < n; j++) row[j] += aip * bv[bBase + j * bColStride];
        }
      }
      cv.set(row, cOff + i * n);
    }
  }
  return out;
}
