import { imageInput, out } from './common.js';
import type { LayerConverter } from './registry.js';

/**
 * AmftAdaptiveScaleFusion over S maps [N,d,H,W]: GlobalAveragePool each, Concat (channel axis,
 * the same order as tfjs' concat of channel means), Flatten, Gemm -> S logits, Softmax, then
 * Unsqueeze + Split into S weights [N,1,1,1], Mul each map and Sum.
 */
export const adaptiveScaleFusionConverter: LayerConverter = {
  className: 'AmftAdaptiveScaleFusion',
  convert(ctx) {
    const { g, prefix } = ctx;
    const maps = ctx.inputs.map((x) => imageInput(ctx, x));
    const kernel = ctx.weight('kernel');
    const bias = ctx.weight('bias');
    const p = (n: string) => ({ base: `${prefix}/${n}` });
    const pooled = maps.map((m, i) => g.op('GlobalAveragePool', [m.name], {}, p(`pooled${i}`)));
    const flat = g.op('Flatten', [g.op('Concat', pooled, { axis: 1 }, p('pooled'))], { axis: 1 }, p('pooled_flat'));
    const logits = g.op('Gemm', [flat, g.weight(`${prefix}/kernel`, kernel.shape, kernel.data), g.weight(`${prefix}/bias`, bias.shape, bias.data)], {}, p('logits'));
    const weights = g.op('Unsqueeze', [g.op('Softmax', [logits], { axis: 1 }, p('weights')), g.int64([2, 3])], {}, p('weights_4d'));
    const parts = g.node('Split', [weights], { axis: 1 }, { outputs: maps.map((_, i) => g.unique(`${prefix}/weight${i}`)) });
    const scaled = maps.map((m, i) => g.op('Mul', [m.name, parts[i]], {}, p(`scaled${i}`)));
    return [out(ctx, g.op('Sum', scaled, {}, { name: ctx.outputName() }), 'channels-first')];
  },
};
