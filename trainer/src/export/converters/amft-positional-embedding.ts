import { out, singleInput } from './common.js';
import type { LayerConverter } from './registry.js';

/** AmftPositionalEmbedding: Add of the learned table [L, d] (broadcast over the batch). */
export const positionalEmbeddingConverter: LayerConverter = {
  className: 'AmftPositionalEmbedding',
  convert(ctx) {
    const x = singleInput(ctx, 'plain');
    const table = ctx.weight('embedding');
    const y = ctx.g.op('Add', [x.name, ctx.g.weight(`${ctx.prefix}/embedding`, table.shape, table.data)], {}, { name: ctx.outputName() });
    return [out(ctx, y, 'plain')];
  },
};
