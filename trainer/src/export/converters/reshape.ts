import { toChannelsFirstPerm, toChannelsLastPerm } from '../layout.js';
import { out, singleInput } from './common.js';
import type { LayerConverter } from './registry.js';

/**
 * Reshape (tfjs target shape without the batch axis) -> ONNX Reshape with [0, ...target]
 * (0 keeps the batch size). tfjs reshapes channels-last data, so a channels-first image is put
 * back in tfjs order first; the common image-to-tokens case [N,H,W,C] -> [N,H*W,C] becomes
 * Reshape [N,C,H*W] + Transpose [N,H*W,C]. A rank-4/5 result is made channels-first again.
 */
export const reshapeConverter: LayerConverter = {
  className: 'Reshape',
  convert(ctx) {
    const x = singleInput(ctx);
    const { g, prefix } = ctx;
    const target = ctx.config.targetShape as number[];
    // ONNX Reshape reads 0 as "copy this dim" (allowzero=0): a literal 0 would mean something else
    if (target.some((d) => d === 0 || (d < 0 && d !== -1))) throw ctx.error(`target shape [${target}] is not supported`);
    const outRank = target.length + 1;
    const imageOut = outRank === 4 || outRank === 5;
    const finalName = ctx.outputName();
    let src = x.name;
    if (x.layout === 'channels-first') {
      const c = x.shape[x.shape.length - 1];
      if (x.shape.length === 4 && target.length === 2 && target[1] === c && !imageOut) {
        // tokens: [N,C,H,W] -> [N,C,H*W] -> [N,H*W,C]
        const flat = g.op('Reshape', [src, g.int64([0, c as number, -1])], {}, { base: `${prefix}/flat` });
        return [out(ctx, g.op('Transpose', [flat], { perm: [0, 2, 1] }, { name: finalName }), 'plain')];
      }
      src = g.op('Transpose', [src], { perm: toChannelsLastPerm(x.shape.length) }, { base: `${prefix}/channels_last` });
    }
    const reshaped = g.op('Reshape', [src, g.int64([0, ...target])], {}, imageOut ? { base: `${prefix}/reshaped` } : { name: finalName });
    if (!imageOut) return [out(ctx, reshaped, 'plain')];
    return [out(ctx, g.op('Transpose', [reshaped], { perm: toChannelsFirstPerm(outRank) }, { name: finalName }), 'channels-first')];
  },
};
