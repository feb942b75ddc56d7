// DepthwiseConv2dNativeBackpropInput on wasm (missing from the stock backend): a depthwise forward
// conv (XNNPACK) of the zero-inserted output gradient with the spatially flipped filter, padded as
// explained in transposed-conv.ts. With a channel multiplier m > 1 the conv runs with multiplier 1
// over the C*m gradient channels and the m contributions per input channel are summed.
import * as tf from '@tensorflow/tfjs';
import { flippedFilter } from './conv2d-backprop-input.js';
import { prepareTransposedInput } from './transposed-conv.js';
import type { KernelArgs, TensorInfo, WasmKernel } from './util.js';
import { depthwiseConv2d, free, pair, reshape, run, wasmBackend } from './util.js';

function depthwiseBackpropInput({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const b = wasmBackend(backend);
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const { strides, dilations, pad, dimRoundingMode, inputShape } = attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
  const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape as [number, number, number, number], strides, dilations, pad, dimRoundingMode, true);
  const [kh, kw, c, m] = filter.shape;
  const [dh, dw] = pair(dilations);
  const { x, pads } = prepareTransposedInput(
    b, dy,
    { inSize: info.inHeight, outSize: info.outHeight, stride: info.strideHeight, dilation: dh, filterSize: kh, padBefore: info.padInfo.top },
    { inSize: info.inWidth, outSize: info.outWidth, stride: info.strideWidth, dilation: dw, filterSize: kw, padBefore: info.padInfo.left },
  );
  const flipped = flippedFilter(b, filter, { first: 0, step: 1, taps: kh }, { first: 0, step: 1, taps: kw }, false); // [kh, kw, C, m]
  const f1 = reshape(b, flipped, [kh, kw, c * m, 1]);
  const y = depthwiseConv2d(b, x, f1, [1, 1], [dh, dw], pads); // [N, H, W, C*m]
  free(b, x, flipped, f1);
  if (m === 1) return y;
  const [n, h, w] = y.shape;
  const y5 = reshape(b, y, [n, h, w, c, m]);
  const dx = run(tf.Sum, b, { x: y5 }, { axis: [4], keepDims: false });
  free(b, y, y5);
  return dx;
}

export const depthwiseBackpropInputKernel: WasmKernel = { kernelName: tf.DepthwiseConv2dNativeBackpropInput, kernelFunc: depthwiseBackpropInput };
