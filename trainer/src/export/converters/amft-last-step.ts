import { out, singleInput } from './common.js';
import type { LayerConverter } from './registry.js';

/** AmftLastStep [N,T,...] -> [N,...]: Gather index -1 on the time axis. */
export const lastStepConverter: LayerConverter = {
  className: 'AmftLastStep',
  convert(ctx) {
    const x = singleInput(ctx);
    if (x.shape.length < 3) throw ctx.error(`expects [N, T, ...], got rank ${x.shape.length}`);
    const y = ctx.g.op('Gather', [x.name, ctx.g.int64([-1], [])], { axis: 1 }, { name: ctx.outputName() });
    return [out(ctx, y, x.layout === 'channels-first' && x.shape.length === 5 ? 'channels-first' : 'plain')];
  },
};
