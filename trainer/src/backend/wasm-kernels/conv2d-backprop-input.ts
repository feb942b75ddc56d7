// Conv2DBackpropInput on wasm as forward convs (XNNPACK). The stock kernel is a naive C loop
// (~2 GFLOP/s); these run near the forward conv's speed.
// * stride 1 (or unequal strides): one conv of the (zero-inserted) output gradient with the
//   spatially flipped, in/out-transposed filter; see transposed-conv.ts for the padding.
// * equal strides s > 1: zero insertion would waste s^2 of the multiply-adds on zeros, so the
//   gradient is split into s*s phases instead. Per axis, input rows i = a*s + r (phase r) only
//   receive taps p with p = (r + pad) mod s (mod s), i.e. the sub-filter w[p0::s]:
//       dx[a*s + r] = sum_m dy[a + c - m] * w[p0 + s*m],  p0 = (r + pad) mod s, c = floor((r + pad)/s)
//   which is a stride-1 conv of dy with the flipped sub-filter (km taps), padded km-1-c in front.
//   Every phase is computed on ceil(in/s) rows; the s*s results are interleaved into dx.
import * as tf from '@tensorflow/tfjs';
import { prepareTransposedInput } from './transposed-conv.js';
import type { BackendWasm, KernelArgs, TensorInfo, WasmKernel } from './util.js';
import { conv2d, free, pad, runStock, slice, wasmBackend } from './util.js';

type Info = tf.backend_util.Conv2DInfo;

/** Taps p = first + step*m (m < taps) of one filter axis, in the order they are read flipped. */
interface TapRange {
  first: number;
  step: number;
  taps: number;
}

/**
 * Sub-filter for the transposed conv: filter [kh, kw, in, out] restricted to the taps in `h`, `w`,
 * spatially flipped and (if `swapIO`) transposed to [th, tw, out, in]; one JS pass (the stock
 * Reverse and StridedSlice kernels are ~20x slower on a 3x3x128x256 filter).
 */
export function flippedFilter(b: BackendWasm, filter: TensorInfo, h: TapRange, w: TapRange, swapIO: boolean): TensorInfo {
  const [, kw, ci, co] = filter.shape;
  const out = b.makeOutput(swapIO ? [h.taps, w.taps, co, ci] : [h.taps, w.taps, ci, co], 'float32');
  const src = b.typedArrayFromHeap(filter) as Float32Array;
  const dst = b.typedArrayFromHeap(out) as Float32Array;
  const block = ci * co;
  for (let mh = 0; mh < h.taps; mh++) {
    const ph = h.first + h.step * (h.taps - 1 - mh);
    for (let mw = 0; mw < w.taps; mw++) {
      const pw = w.first + w.step * (w.taps - 1 - mw);
      const from = (ph * kw + pw) * block;
      const to = (mh * w.taps + mw) * block;
      if (!swapIO) {
        dst.set(src.subarray(from, from + block), to);
        continue;
      }
      for (let i = 0; i < ci; i++) {
        for (let o = 0, k = from + i * co; o < co; o++, k++) dst[to + o * ci + i] = src[k];
      }
    }
  }
  return out;
}

function viaZeroInsertion(b: BackendWasm, dy: TensorInfo, filter: TensorInfo, info: Info): TensorInfo {
  const { x, pads } = prepareTransposedInput(
    b, dy,
    { inSize: info.inHeight, outSize: info.outHeight, stride: info.strideHeight, dilation: 1, filterSize: info.filterHeight, padBefore: info.padInfo.top },
    { inSize: info.inWidth, outSize: info.outWidth, stride: info.strideWidth, dilation: 1, filterSize: info.filterWidth, padBefore: info.padInfo.left },
  );
  const wT = flippedFilter(b, filter, { first: 0, step: 1, taps: info.filterHeight }, { first: 0, step: 1, taps: info.filterWidth }, true);
  const dx = conv2d(b, x, wT, [1, 1], [1, 1], pads);
  free(b, x, wT);
  return dx;
}

interface Phase {
  /** taps of the sub-filter (0: this phase receives nothing) */
  taps: number;
  /** first tap of the sub-filter in the (unflipped) filter: p0 */
  first: number;
  /** padding of dy [before, after] (negative: crop) */
  before: number;
  after: number;
}

/** Phase r of one axis; `rows` = ceil(in/s) outputs per phase. */
export function phaseGeometry(r: number, s: number, k: number, padBefore: number, outSize: number, rows: number): Phase {
  const p0 = (r + padBefore) % s;
  const taps = p0 < k ? Math.ceil((k - p0) / s) : 0;
  const c = Math.floor((r + padBefore) / s);
  const before = taps - 1 - c;
  const after = rows + taps - 1 - before - outSize;
  return { taps, first: p0, before, after };
}

/** Pads (or crops, for negative amounts) rows and cols of an NHWC tensor; a fresh TensorInfo. */
function padOrCrop(b: BackendWasm, x: TensorInfo, [t, bo, l, r]: [number, number, number, number]): TensorInfo {
  const [n, h, w, c] = x.shape;
  const top = Math.max(0, -t);
  const left = Math.max(0, -l);
  const cropped = slice(b, x, [0, top, left, 0], [n, h - top - Math.max(0, -bo), w - left - Math.max(0, -r), c]);
  if (t <= 0 && bo <= 0 && l <= 0 && r <= 0) return cropped;
  const padded = pad(b, cropped, [[0, 0], [Math.max(0, t), Math.max(0, bo)], [Math.max(0, l), Math.max(0, r)], [0, 0]]);
  free(b, cropped);
  return padded;
}

/**
 * Writes phase results part[rh * s + rw] ([N, rowsH, rowsW, C]; null = all zeros) into
 * dx[n, a*s + rh, b*s + rw, c], dropping rows/cols past the input size. One memcpy per pixel
 * (the stock DepthToSpace kernel is ~10x slower than this).
 */
function interleave(b: BackendWasm, parts: Array<TensorInfo | null>, s: number, inShape: [number, number, number, number]): TensorInfo {
  const [n, h, w, c] = inShape;
  const out = b.makeOutput([n, h, w, c], 'float32');
  const dst = b.typedArrayFromHeap(out) as Float32Array;
  if (parts.some((p) => p === null)) dst.fill(0);
  parts.forEach((part, idx) => {
    if (part === null) return;
    const src = b.typedArrayFromHeap(part) as Float32Array;
    const [, rowsH, rowsW] = part.shape;
    const rh = Math.floor(idx / s);
    const rw = idx % s;
    for (let bi = 0; bi < n; bi++) {
      for (let a = 0, i = rh; a < rowsH && i < h; a++, i += s) {
        let from = ((bi * rowsH + a) * rowsW) * c;
        let to = ((bi * h + i) * w + rw) * c;
        for (let col = 0, j = rw; col < rowsW && j < w; col++, j += s, from += c, to += s * c) {
          dst.set(src.subarray(from, from + c), to);
        }
      }
    }
  });
  return out;
}

function viaPhases(b: BackendWasm, dy: TensorInfo, filter: TensorInfo, info: Info): TensorInfo {
  const s = info.strideHeight;
  const { batchSize: n, inHeight, inWidth, inChannels, filterHeight: kh, filterWidth: kw } = info;
  const rowsH = Math.ceil(inHeight / s);
  const rowsW = Math.ceil(inWidth / s);
  const parts: Array<TensorInfo | null> = [];
  for (let rh = 0; rh < s; rh++) {
    const ph = phaseGeometry(rh, s, kh, info.padInfo.top, info.outHeight, rowsH);
    for (let rw = 0; rw < s; rw++) {
      const pw = phaseGeometry(rw, s, kw, info.padInfo.left, info.outWidth, rowsW);
      if (ph.taps === 0 || pw.taps === 0) {
        parts.push(null);
        continue;
      }
      const sub = flippedFilter(b, filter, { first: ph.first, step: s, taps: ph.taps }, { first: pw.first, step: s, taps: pw.taps }, true);
      // keep explicit padding on the conv (cheaper than a pad op); crop only where negative
      const crop: [number, number, number, number] = [Math.min(0, ph.before), Math.min(0, ph.after), Math.min(0, pw.before), Math.min(0, pw.after)];
      const src = crop.some((v) => v < 0) ? padOrCrop(b, dy, crop) : dy;
      parts.push(conv2d(b, src, sub, [1, 1], [1, 1], [Math.max(0, ph.before), Math.max(0, ph.after), Math.max(0, pw.before), Math.max(0, pw.after)]));
      if (src !== dy) free(b, src);
      free(b, sub);
    }
  }
  const dx = interleave(b, parts, s, [n, inHeight, inWidth, inChannels]);
  free(b, ...parts.filter((p): p is TensorInfo => p !== null));
  return dx;
}

function conv2DBackpropInput({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const b = wasmBackend(backend);
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const { strides, pad: padding, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as tf.Conv2DBackpropInputAttrs;
  if (dataFormat === 'NCHW') return runStock(tf.Conv2DBackpropInput, b, inputs, attrs);
  const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape as [number, number, number, number], strides, 1, padding, dimRoundingMode, false, 'channelsLast');
  const phased = info.strideHeight === info.strideWidth && info.strideHeight > 1;
  return phased ? viaPhases(b, dy, filter, info) : viaZeroInsertion(b, dy, filter, info);
}

export const conv2DBackpropInputKernel: WasmKernel = { kernelName: tf.Conv2DBackpropInput, kernelFunc: conv2DBackpropInput };
