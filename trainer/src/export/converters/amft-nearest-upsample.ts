import { onnxShape, staticDims } from '../layout.js';
import { imageInput, out } from './common.js';
import type { LayerConverter } from './registry.js';

/** AmftNearestUpsample by factor f: Reshape [N,C,H,1,W,1] -> Expand [N,C,H,f,W,f] -> Reshape [N,C,Hf,Wf]. */
export const nearestUpsampleConverter: LayerConverter = {
  className: 'AmftNearestUpsample',
  convert(ctx) {
    const x = imageInput(ctx);
    const { g, prefix } = ctx;
    const f = ctx.config.factor as number;
    const [c, h, w] = staticDims(onnxShape(x).slice(1), `${prefix}: channels and grid`);
    const split = g.op('Reshape', [x.name, g.int64([0, c, h, 1, w, 1])], {}, { base: `${prefix}/split` });
    const expanded = g.op('Expand', [split, g.int64([1, 1, 1, f, 1, f])], {}, { base: `${prefix}/expanded` });
    return [out(ctx, g.op('Reshape', [expanded, g.int64([0, c, h * f, w * f])], {}, { name: ctx.outputName() }), 'channels-first')];
  },
};
