import { emitActivation, out, singleInput } from './common.js';
import type { LayerConverter } from './registry.js';

/**
 * Dense -> Gemm for [N, din] inputs; MatMul + Add for [N, L, din] (and higher) inputs; then the
 * layer's activation. The kernel keeps the tfjs [din, dout] layout (Gemm transB=0).
 */
export const denseConverter: LayerConverter = {
  className: 'Dense',
  convert(ctx) {
    const x = singleInput(ctx, 'plain');
    const { g, config, prefix } = ctx;
    const kernel = ctx.weight('kernel');
    const [din, dout] = kernel.shape;
    if (x.shape[x.shape.length - 1] !== din) throw ctx.error(`input width ${x.shape[x.shape.length - 1]} does not match the kernel [${kernel.shape}]`);
    const w = g.weight(`${prefix}/kernel`, [din, dout], kernel.data);
    const bias = config.useBias !== false && ctx.hasWeight('bias') ? g.weight(`${prefix}/bias`, [dout], ctx.weight('bias').data) : undefined;
    const linear = (config.activation ?? 'linear') === 'linear';
    const last = linear ? { name: ctx.outputName() } : { base: `${prefix}/linear` };
    let y: string;
    if (x.shape.length === 2) {
      y = g.op(bias ? 'Gemm' : 'MatMul', bias ? [x.name, w, bias] : [x.name, w], {}, last);
    } else if (bias) {
      y = g.op('Add', [g.op('MatMul', [x.name, w], {}, { base: `${prefix}/matmul` }), bias], {}, last);
    } else {
      y = g.op('MatMul', [x.name, w], {}, last);
    }
    const res = out(ctx, y, 'plain');
    return [linear ? res : { ...emitActivation(ctx, res, config.activation, ctx.outputName()), shape: ctx.outputShapes[0] }];
  },
};
