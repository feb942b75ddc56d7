import { onnxShape, staticDims } from '../layout.js';
import { out } from './common.js';
import type { LayerConverter } from './registry.js';

/**
 * AmftUnfoldTime [N*T, ...] -> [N, T, ...], N and T read at run time from the clip:
 * Shape(clip, start=0, end=2) ++ the static per-frame dims -> Reshape.
 */
export const unfoldTimeConverter: LayerConverter = {
  className: 'AmftUnfoldTime',
  convert(ctx) {
    if (ctx.inputs.length !== 2) throw ctx.error(`expects [features, clip], got ${ctx.inputs.length} inputs`);
    const [features, clip] = ctx.inputs;
    const { g, prefix } = ctx;
    const rest = staticDims(onnxShape(features).slice(1), `${prefix}: feature dims`);
    const nt = g.op('Shape', [clip.name], { start: 0, end: 2 }, { base: `${prefix}/batch_time` });
    const shape = g.op('Concat', [nt, g.int64(rest)], { axis: 0 }, { base: `${prefix}/shape` });
    const y = g.op('Reshape', [features.name, shape], {}, { name: ctx.outputName() });
    return [out(ctx, y, features.layout === 'channels-first' ? 'channels-first' : 'plain')];
  },
};
