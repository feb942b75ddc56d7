import { float } from '../graph-builder.js';
import { normalizeAxis } from '../layout.js';
import { out, singleInput } from './common.js';
import type { LayerConverter } from './registry.js';

/**
 * LayerNormalization -> ONNX LayerNormalization (opset 17) over the trailing axes. tfjs normalizes
 * with the population variance, as ONNX does.
 */
export const layerNormalizationConverter: LayerConverter = {
  className: 'LayerNormalization',
  convert(ctx) {
    const x = singleInput(ctx, 'plain');
    const { g, config, prefix } = ctx;
    const rank = x.shape.length;
    const axes = (Array.isArray(config.axis) ? (config.axis as number[]) : [config.axis as number]).map((a) => normalizeAxis(a, rank)).sort((a, b) => a - b);
    const first = axes[0];
    if (!axes.every((a, i) => a === first + i) || axes[axes.length - 1] !== rank - 1) {
      throw ctx.error(`normalizing over axes [${axes}] is not supported: ONNX LayerNormalization needs the trailing axes`);
    }
    const normShape = x.shape.slice(first);
    if (normShape.some((d) => d == null)) throw ctx.error('the normalized axes must have known sizes');
    const dims = normShape as number[];
    const size = dims.reduce((a, b) => a * b, 1);
    const gamma = config.scale !== false && ctx.hasWeight('gamma') ? ctx.weight('gamma').data : new Float32Array(size).fill(1);
    const inputs = [x.name, g.weight(`${prefix}/gamma`, dims, gamma)];
    if (config.center !== false && ctx.hasWeight('beta')) inputs.push(g.weight(`${prefix}/beta`, dims, ctx.weight('beta').data));
    const eps = (config.epsilon as number | undefined) ?? 1e-3;
    const y = g.op('LayerNormalization', inputs, { axis: first, epsilon: float(eps) }, { name: ctx.outputName() });
    return [out(ctx, y, 'plain')];
  },
};
