import { convKernelToOnnx, emitActivation, imageInput, out, pads2dAttrs, pair, requireChannelsLast } from './common.js';
import type { LayerConverter } from './registry.js';

/** Conv2D -> Conv (NCHW, kernel [cout, cin, kh, kw]), optional bias, then its activation. */
export const conv2dConverter: LayerConverter = {
  className: 'Conv2D',
  convert(ctx) {
    requireChannelsLast(ctx);
    const x = imageInput(ctx);
    const { g, config, prefix } = ctx;
    const kernel = ctx.weight('kernel');
    const [kh, kw, , cout] = kernel.shape;
    const strides = pair(config.strides ?? 1, 'strides', ctx);
    const dilations = pair(config.dilationRate ?? 1, 'dilationRate', ctx);
    const groups = (config.groups as number | undefined) ?? 1;
    if (groups !== 1) throw ctx.error(`grouped convolutions (groups=${groups}) are not supported`);
    const w = convKernelToOnnx(kernel.data, kernel.shape);
    const inputs = [x.name, g.weight(`${prefix}/kernel`, w.dims, w.data)];
    if (config.useBias !== false && ctx.hasWeight('bias')) inputs.push(g.weight(`${prefix}/bias`, [cout], ctx.weight('bias').data));
    const linear = (config.activation ?? 'linear') === 'linear';
    const y = g.op(
      'Conv',
      inputs,
      { kernel_shape: [kh, kw], strides, dilations, group: 1, ...pads2dAttrs(config.padding, x.shape, [kh, kw], strides, dilations, ctx) },
      linear ? { name: ctx.outputName() } : { base: `${prefix}/conv` },
    );
    return [linear ? out(ctx, y, 'channels-first') : emitActivation(ctx, out(ctx, y, 'channels-first'), config.activation, ctx.outputName())];
  },
};
