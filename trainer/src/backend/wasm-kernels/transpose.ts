// Transpose on wasm. The stock kernel is an element-by-element loop whose inner loop strides
// through the input whenever the innermost axis moves (~40 ms for a [64,48,48,32] activation);
// transposes that swap the innermost axis with an outer one — [Q, A, P, B] -> [Q, B, P, A], which
// after merging adjacent axes covers 2-D transposes, NHWC<->CHWN and matMul's last-two-axes swap —
// run here as a cache-blocked JS loop over the wasm heap (~4x faster). Everything else: stock.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm, KernelArgs, TensorInfo, WasmKernel } from './util.js';
import { reshape, runStock, wasmBackend } from './util.js';

/** Drops size-1 axes and merges input axes that stay adjacent in the output. */
export function collapseTranspose(shape: readonly number[], perm: readonly number[]): { shape: number[]; perm: number[] } {
  const keep = shape.map((d, i) => (d !== 1 ? i : -1)).filter((i) => i >= 0);
  const rank = new Map(keep.map((axis, i) => [axis, i]));
  const p = perm.filter((a) => shape[a] !== 1).map((a) => rank.get(a) as number);
  const s = keep.map((a) => shape[a]);
  // runs of consecutive input axes, in output order
  const runs: number[][] = [];
  for (const a of p) {
    const last = runs[runs.length - 1];
    if (last !== undefined && last[last.length - 1] === a - 1) last.push(a);
    else runs.push([a]);
  }
  const byInput = [...runs].sort((x, y) => x[0] - y[0]);
  return {
    shape: byInput.map((r) => r.reduce((acc, a) => acc * s[a], 1)),
    perm: runs.map((r) => byInput.indexOf(r)),
  };
}

/** [Q, A, P, B] sizes if `perm` (collapsed) swaps axis q with the last axis, else null. */
export function swapPattern(shape: readonly number[], perm: readonly number[]): [number, number, number, number] | null {
  const r = perm.length;
  if (r < 2) return null;
  let q = 0;
  while (q < r && perm[q] === q) q++;
  if (q >= r - 1 || perm[q] !== r - 1 || perm[r - 1] !== q) return null;
  for (let i = q + 1; i < r - 1; i++) if (perm[i] !== i) return null;
  const prod = (from: number, to: number) => shape.slice(from, to).reduce((a, d) => a * d, 1);
  return [prod(0, q), shape[q], prod(q + 1, r - 1), shape[r - 1]];
}

type Heap = Float32Array | Int32Array | Uint8Array;

function swapLoop(src: Heap, dst: Heap, Q: number, A: number, P: number, B: number): void {
  const T = 16; // rows of A read together: T sequential streams
  const inRow = P * B; // input stride of a
  const outRow = P * A; // output stride of b
  const block = A * P * B;
  for (let q = 0; q < Q; q++) {
    const base = q * block;
    for (let p = 0; p < P; p++) {
      for (let a0 = 0; a0 < A; a0 += T) {
        const a1 = Math.min(A, a0 + T);
        for (let b = 0; b < B; b++) {
          let i = base + a0 * inRow + p * B + b;
          let o = base + b * outRow + p * A + a0;
          for (let a = a0; a < a1; a++, i += inRow) dst[o++] = src[i];
        }
      }
    }
  }
}

/** Transpose through the fast path when it applies; a fresh TensorInfo either way. */
export function transposeFast(b: BackendWasm, x: TensorInfo, perm: readonly number[]): TensorInfo {
  const outShape = perm.map((a) => x.shape[a]);
  const c = collapseTranspose(x.shape, perm);
  if (c.perm.every((a, i) => a === i)) return reshape(b, x, outShape); // no data movement
  const sw = swapPattern(c.shape, c.perm);
  if (sw === null || x.dtype === 'string' || x.dtype === 'complex64') return runStock(tf.Transpose, b, { x }, { perm: [...perm] });
  const out = b.makeOutput(outShape, x.dtype);
  swapLoop(b.typedArrayFromHeap(x) as Heap, b.typedArrayFromHeap(out) as Heap, ...sw);
  return out;
}

function transposeKernel({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const { perm } = attrs as unknown as tf.TransposeAttrs;
  return transposeFast(wasmBackend(backend), inputs.x as TensorInfo, perm);
}

export const transposeKernelConfig: WasmKernel = { kernelName: tf.Transpose, kernelFunc: transposeKernel };
