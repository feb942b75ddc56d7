import { imageInput, out, pads2dAttrs, pair, requireChannelsLast } from './common.js';
import type { ConvertContext } from './registry.js';
import type { TensorRef } from '../graph-builder.js';

/** MaxPooling2D / AveragePooling2D -> MaxPool / AveragePool (NCHW). */
export function pool2d(ctx: ConvertContext, op: 'MaxPool' | 'AveragePool'): TensorRef[] {
  requireChannelsLast(ctx);
  const x = imageInput(ctx);
  const kernel = pair(ctx.config.poolSize ?? 2, 'poolSize', ctx);
  const strides = pair(ctx.config.strides ?? kernel, 'strides', ctx);
  // 'same' average pooling divides by the in-image count, as ONNX's count_include_pad=0
  const attrs = { kernel_shape: kernel, strides, ...pads2dAttrs(ctx.config.padding ?? 'valid', x.shape, kernel, strides, [1, 1], ctx) };
  return [out(ctx, ctx.g.op(op, [x.name], op === 'AveragePool' ? { ...attrs, count_include_pad: 0 } : attrs, { name: ctx.outputName() }), 'channels-first')];
}
