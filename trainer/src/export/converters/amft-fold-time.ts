import { onnxShape, staticDims } from '../layout.js';
import { out, singleInput } from './common.js';
import type { LayerConverter } from './registry.js';

/** AmftFoldTime [N,T,...] -> [N*T,...]: Reshape [-1, ...] (N and T stay dynamic). */
export const foldTimeConverter: LayerConverter = {
  className: 'AmftFoldTime',
  convert(ctx) {
    const x = singleInput(ctx);
    const rest = staticDims(onnxShape(x).slice(2), `${ctx.prefix}: per-frame dims`);
    const y = ctx.g.op('Reshape', [x.name, ctx.g.int64([-1, ...rest])], {}, { name: ctx.outputName() });
    // a folded clip of images is a batch of images, still channels-first
    return [out(ctx, y, x.layout === 'channels-first' && x.shape.length === 5 ? 'channels-first' : 'plain')];
  },
};
