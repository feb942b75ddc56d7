import { out, singleInput } from './common.js';
import type { LayerConverter } from './registry.js';

/** GlobalAveragePooling1D: mean over the steps of [N, L, C] -> ReduceMean (axes attribute in opset 17). */
export const globalAveragePooling1dConverter: LayerConverter = {
  className: 'GlobalAveragePooling1D',
  convert(ctx) {
    const x = singleInput(ctx, 'plain');
    if (x.shape.length !== 3) throw ctx.error(`expects [N, L, C], got rank ${x.shape.length}`);
    const axis = ctx.config.dataFormat === 'channelsFirst' ? 2 : 1;
    return [out(ctx, ctx.g.op('ReduceMean', [x.name], { axes: [axis], keepdims: 0 }, { name: ctx.outputName() }), 'plain')];
  },
};
