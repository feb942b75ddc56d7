// DepthwiseConv2dNativeBackpropFilter on wasm (missing from the stock backend):
//   dW[p, q, c, j] = sum_{n, i, k} xPad[n, i*s + p*d, k*s + q*d, c] * dy[n, i, k, c*m + j]
// A direct JS loop over the wasm heap (float64 accumulators): the work is C*m multiply-adds per
// output pixel and tap, small next to the pointwise convs around a depthwise layer.
import * as tf from '@tensorflow/tfjs';
import type { KernelArgs, TensorInfo, WasmKernel } from './util.js';
import { wasmBackend } from './util.js';

function depthwiseBackpropFilter({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const b = wasmBackend(backend);
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, dilations, pad, dimRoundingMode, filterShape } = attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, dilations, pad, dimRoundingMode, true);
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const [kh, kw, , m] = filterShape;
  const { top, left } = info.padInfo;
  const cm = c * m;
  const acc = new Float64Array(kh * kw * cm);
  const xs = b.typedArrayFromHeap(x) as Float32Array;
  const dys = b.typedArrayFromHeap(dy) as Float32Array;
  for (let bi = 0; bi < n; bi++) {
    for (let i = 0; i < oh; i++) {
      for (let k = 0; k < ow; k++) {
        const dyOff = ((bi * oh + i) * ow + k) * cm;
        for (let p = 0; p < kh; p++) {
          const row = i * sh + p * dh - top;
          if (row < 0 || row >= h) continue;
          for (let q = 0; q < kw; q++) {
            const col = k * sw + q * dw - left;
            if (col < 0 || col >= w) continue;
            const xOff = ((bi * h + row) * w + col) * c;
            const aOff = (p * kw + q) * cm;
            if (m === 1) {
              for (let ch = 0; ch < c; ch++) acc[aOff + ch] += xs[xOff + ch] * dys[dyOff + ch];
            } else {
              for (let ch = 0; ch < c; ch++) {
                const xv = xs[xOff + ch];
                for (let j = 0, o = ch * m; j < m; j++, o++) acc[aOff + o] += xv * dys[dyOff + o];
              }
            }
          }
        }
      }
    }
  }
  const out = b.makeOutput([kh, kw, c, m], 'float32');
  (b.typedArrayFromHeap(out) as Float32Array).set(acc);
  return out;
}

export const depthwiseBackpropFilterKernel: WasmKernel = { kernelName: tf.DepthwiseConv2dNativeBackpropFilter, kernelFunc: depthwiseBackpropFilter };
