import { convKernelToOnnx, imageInput, out, pads2dAttrs } from './common.js';
import type { LayerConverter } from './registry.js';

/** AmftSpatialAttention: x * sigmoid(conv3x3(x) + b) -> Conv (C->1, 'same') + Sigmoid + Mul. */
export const spatialAttentionConverter: LayerConverter = {
  className: 'AmftSpatialAttention',
  convert(ctx) {
    const x = imageInput(ctx);
    const { g, prefix } = ctx;
    const kernel = ctx.weight('kernel');
    const [kh, kw] = kernel.shape;
    const w = convKernelToOnnx(kernel.data, kernel.shape);
    const logit = g.op(
      'Conv',
      [x.name, g.weight(`${prefix}/kernel`, w.dims, w.data), g.weight(`${prefix}/bias`, [1], ctx.weight('bias').data)],
      { kernel_shape: [kh, kw], strides: [1, 1], ...pads2dAttrs('same', x.shape, [kh, kw], [1, 1], [1, 1], ctx) },
      { base: `${prefix}/logit` },
    );
    const gate = g.op('Sigmoid', [logit], {}, { base: `${prefix}/gate` });
    return [out(ctx, g.op('Mul', [x.name, gate], {}, { name: ctx.outputName() }), 'channels-first')];
  },
};
