import { imageInput, out, requireChannelsLast } from './common.js';
import type { LayerConverter } from './registry.js';

/** ZeroPadding2D -> Pad (constant 0) on the spatial axes of NCHW. Folded into a following Conv by the graph passes. */
export const zeroPadding2dConverter: LayerConverter = {
  className: 'ZeroPadding2D',
  convert(ctx) {
    requireChannelsLast(ctx);
    const x = imageInput(ctx);
    const p = ctx.config.padding as unknown;
    let top: number, bottom: number, left: number, right: number;
    if (typeof p === 'number') [top, bottom, left, right] = [p, p, p, p];
    else if (Array.isArray(p) && p.every((v) => typeof v === 'number')) [top, bottom, left, right] = [p[0], p[0], p[1], p[1]];
    else if (Array.isArray(p) && p.every((v) => Array.isArray(v))) [[top, bottom], [left, right]] = p as [[number, number], [number, number]];
    else throw ctx.error(`cannot read padding ${JSON.stringify(p)}`);
    const pads = ctx.g.int64([0, 0, top, left, 0, 0, bottom, right]);
    return [out(ctx, ctx.g.op('Pad', [x.name, pads], { mode: 'constant' }, { name: ctx.outputName() }), 'channels-first')];
  },
};
