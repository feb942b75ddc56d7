// The input gradient of a convolution, computed as a forward (stride-1) convolution.
//
// Per spatial axis, a forward conv with stride s, dilation d, filter size k and padding `before` is
//     y[o] = sum_p x[o*s + p*d - before] * w[p]                       o in [0, outSize)
// so its input gradient is
//     dx[i] = sum_p dyZ[i + before - p*d] * w[p]                      i in [0, inSize)
// where dyZ is dy with s-1 zeros inserted between neighbours (dyZ[o*s] = dy[o], zero elsewhere).
// Flipping the filter (p' = k-1-p) turns this into a forward correlation of dyZ with stride 1 and
// dilation d:
//     dx[i] = sum_p' dyZ[i - a + p'*d] * wFlipped[p'],   a = (k-1)*d - before
// i.e. dyZ padded with `a` zeros in front. The output must have inSize entries, and a stride-1
// conv with effective filter extent (k-1)*d+1 produces (padded length) - (k-1)*d of them, so the
// padding behind is   after = inSize + (k-1)*d - a - len(dyZ).
// We build dyZ by padding a trailing [.., 1, ..] axis to s and reshaping, which leaves s-1 extra
// zeros at the end (len = outSize*s instead of (outSize-1)*s+1); `after` is computed from the real
// length, so it absorbs them. A negative `a` or `after` (forward padding wider than the filter)
// means cropping dyZ instead of padding it.
import type { BackendWasm, TensorInfo } from './util.js';
import { free, pad, reshape, slice } from './util.js';

export interface AxisGeometry {
  inSize: number;
  outSize: number;
  stride: number;
  dilation: number;
  filterSize: number;
  /** forward padding before the first element (top or left) */
  padBefore: number;
}

/** Padding [before, after] for the stride-1 conv over the zero-inserted gradient of length outSize*stride. */
export function transposedPadding(g: AxisGeometry): [number, number] {
  const extent = (g.filterSize - 1) * g.dilation;
  const before = extent - g.padBefore;
  const after = g.inSize + extent - before - g.outSize * g.stride;
  return [before, after];
}

/**
 * Zero-inserts dy [N, oH, oW, C] by the strides, then pads/crops it so that a stride-1 conv with the
 * flipped filter yields exactly inH x inW. Returns the prepared tensor plus the remaining
 * (non-negative) padding to hand to the conv as explicit padding. `dy` is not released.
 */
export function prepareTransposedInput(b: BackendWasm, dy: TensorInfo, h: AxisGeometry, w: AxisGeometry): { x: TensorInfo; pads: [number, number, number, number] } {
  const [n, oh, ow, c] = dy.shape;
  let x = dy;
  let owned = false;
  if (h.stride > 1 || w.stride > 1) {
    const r = reshape(b, dy, [n, oh, 1, ow, 1, c]);
    const p = pad(b, r, [[0, 0], [0, 0], [0, h.stride - 1], [0, 0], [0, w.stride - 1], [0, 0]]);
    x = reshape(b, p, [n, oh * h.stride, ow * w.stride, c]);
    free(b, r, p);
    owned = true;
  }
  const [t, bo] = transposedPadding(h);
  const [l, r] = transposedPadding(w);
  if (t < 0 || bo < 0 || l < 0 || r < 0) {
    // crop the part of dyZ that falls outside the window the conv needs
    const top = Math.max(0, -t);
    const left = Math.max(0, -l);
    const rows = x.shape[1] - top - Math.max(0, -bo);
    const cols = x.shape[2] - left - Math.max(0, -r);
    const cropped = slice(b, x, [0, top, left, 0], [n, rows, cols, c]);
    if (owned) free(b, x);
    x = cropped;
    owned = true;
  }
  if (!owned) {
    // hand back a reference of our own so the caller can release it uniformly
    x = reshape(b, dy, dy.shape);
  }
  return { x, pads: [Math.max(0, t), Math.max(0, bo), Math.max(0, l), Math.max(0, r)] };
}
