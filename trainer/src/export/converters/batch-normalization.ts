import { normalizeAxis, onnxAxis } from '../layout.js';
import { float } from '../graph-builder.js';
import { out, singleInput } from './common.js';
import type { LayerConverter } from './registry.js';

/**
 * BatchNormalization (inference: moving statistics) -> ONNX BatchNormalization when the
 * normalized axis is ONNX axis 1 (channels of an image, features of [N, C]); otherwise Mul + Add
 * with the folded scale and shift. A BatchNormalization right after a Conv is folded into the
 * Conv's weights by the graph passes (see optimize-graph.ts).
 */
export const batchNormalizationConverter: LayerConverter = {
  className: 'BatchNormalization',
  convert(ctx) {
    const x = singleInput(ctx);
    const { g, config, prefix } = ctx;
    const rank = x.shape.length;
    const rawAxis = Array.isArray(config.axis) ? (config.axis as number[]) : [config.axis as number];
    if (rawAxis.length !== 1) throw ctx.error(`normalizing over several axes (${rawAxis}) is not supported`);
    const tfAxis = normalizeAxis(rawAxis[0], rank);
    const channels = x.shape[tfAxis];
    if (channels == null) throw ctx.error('the normalized axis must have a known size');
    const eps = (config.epsilon as number | undefined) ?? 1e-3;
    const ones = () => new Float32Array(channels).fill(1);
    const gamma = ctx.hasWeight('gamma') ? ctx.weight('gamma').data : ones();
    const beta = ctx.hasWeight('beta') ? ctx.weight('beta').data : new Float32Array(channels);
    const mean = ctx.weight('moving_mean').data;
    const variance = ctx.weight('moving_variance').data;
    const axis = onnxAxis(x, tfAxis);
    if (axis === 1 && rank >= 2) {
      const y = g.op(
        'BatchNormalization',
        [
          x.name,
          g.weight(`${prefix}/gamma`, [channels], gamma),
          g.weight(`${prefix}/beta`, [channels], beta),
          g.weight(`${prefix}/moving_mean`, [channels], mean),
          g.weight(`${prefix}/moving_variance`, [channels], variance),
        ],
        { epsilon: float(eps) },
        { name: ctx.outputName() },
      );
      return [out(ctx, y, x.layout)];
    }
    const scale = new Float32Array(channels);
    const shift = new Float32Array(channels);
    for (let c = 0; c < channels; c++) {
      scale[c] = gamma[c] / Math.sqrt(variance[c] + eps);
      shift[c] = beta[c] - mean[c] * scale[c];
    }
    const dims = [channels, ...new Array<number>(rank - 1 - axis).fill(1)];
    const scaled = g.op('Mul', [x.name, g.weight(`${prefix}/scale`, dims, scale)], {}, { base: `${prefix}/scaled` });
    const y = g.op('Add', [scaled, g.weight(`${prefix}/shift`, dims, shift)], {}, { name: ctx.outputName() });
    return [out(ctx, y, x.layout)];
  },
};
