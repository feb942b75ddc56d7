import { imageInput, out } from './common.js';
import type { LayerConverter } from './registry.js';

/** [rows, cols] row-major -> [cols, rows, 1, 1] (a 1x1 conv weight computing x @ m). */
function asPointwiseConv(data: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = data[r * cols + c];
  return t;
}

/**
 * AmftChannelAttention (squeeze-and-excitation): GlobalAveragePool -> 1x1 Conv C->hidden -> Relu
 * -> 1x1 Conv hidden->C -> Sigmoid -> Mul with the input (the gate [N,C,1,1] broadcasts).
 */
export const channelAttentionConverter: LayerConverter = {
  className: 'AmftChannelAttention',
  convert(ctx) {
    const x = imageInput(ctx);
    const { g, prefix } = ctx;
    const squeeze = ctx.weight('squeeze');
    const excite = ctx.weight('excite');
    const [c, hidden] = squeeze.shape;
    const pooled = g.op('GlobalAveragePool', [x.name], {}, { base: `${prefix}/pooled` });
    const w1 = g.weight(`${prefix}/squeeze`, [hidden, c, 1, 1], asPointwiseConv(squeeze.data, c, hidden));
    const w2 = g.weight(`${prefix}/excite`, [c, hidden, 1, 1], asPointwiseConv(excite.data, hidden, c));
    const h = g.op('Relu', [g.op('Conv', [pooled, w1], { kernel_shape: [1, 1] }, { base: `${prefix}/squeezed` })], {}, { base: `${prefix}/hidden` });
    const gate = g.op('Sigmoid', [g.op('Conv', [h, w2], { kernel_shape: [1, 1] }, { base: `${prefix}/excited` })], {}, { base: `${prefix}/gate` });
    return [out(ctx, g.op('Mul', [x.name, gate], {}, { name: ctx.outputName() }), 'channels-first')];
  },
};
