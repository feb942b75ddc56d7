import { out, singleInput } from './common.js';
import type { LayerConverter } from './registry.js';

/** ReLU layer -> Relu, or Clip(0, maxValue) when the layer has a maxValue. */
export const reluConverter: LayerConverter = {
  className: 'ReLU',
  convert(ctx) {
    const x = singleInput(ctx);
    const max = ctx.config.maxValue as number | null | undefined;
    const y =
      max == null
        ? ctx.g.op('Relu', [x.name], {}, { name: ctx.outputName() })
        : ctx.g.op('Clip', [x.name, ctx.g.floatConst([0], []), ctx.g.floatConst([max], [])], {}, { name: ctx.outputName() });
    return [out(ctx, y, x.layout)];
  },
};
