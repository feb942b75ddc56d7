import { out, singleInput } from './common.js';
import type { LayerConverter } from './registry.js';

/**
 * AmftMultiHeadSelfAttention (PyTorch nn.MultiheadAttention maths) on [N, L, d]:
 * MatMul + Add (packed q,k,v projection) -> Split -> per-head Reshape/Transpose ->
 * MatMul(q, k^T) -> Softmax -> MatMul(., v) -> Transpose/Reshape -> MatMul + Add (output projection).
 * The 1/sqrt(d_head) score scale is folded into the q columns of the projection.
 */
export const multiHeadSelfAttentionConverter: LayerConverter = {
  className: 'AmftMultiHeadSelfAttention',
  convert(ctx) {
    const x = singleInput(ctx, 'plain');
    const { g, prefix } = ctx;
    const heads = ctx.config.heads as number;
    const inKernel = ctx.weight('in_kernel');
    const inBias = ctx.weight('in_bias');
    const [d] = inKernel.shape;
    if (x.shape.length !== 3 || x.shape[2] !== d) throw ctx.error(`expects [N, L, ${d}], got [${x.shape}]`);
    const dh = d / heads;
    const scale = 1 / Math.sqrt(dh);
    const wIn = Float32Array.from(inKernel.data);
    const bIn = Float32Array.from(inBias.data);
    for (let r = 0; r < d; r++) for (let c = 0; c < d; c++) wIn[r * 3 * d + c] *= scale;
    for (let c = 0; c < d; c++) bIn[c] *= scale;

    const p = (s: string) => ({ base: `${prefix}/${s}` });
    const qkv = g.op(
      'Add',
      [g.op('MatMul', [x.name, g.weight(`${prefix}/in_kernel`, [d, 3 * d], wIn)], {}, p('qkv_matmul')), g.weight(`${prefix}/in_bias`, [3 * d], bIn)],
      {},
      p('qkv'),
    );
    const [q, k, v] = g.node('Split', [qkv, g.int64([d, d, d])], { axis: 2 }, { outputs: [g.unique(`${prefix}/q`), g.unique(`${prefix}/k`), g.unique(`${prefix}/v`)] });
    const headShape = g.int64([0, 0, heads, dh]);
    const split = (t: string, perm: number[], name: string) =>
      g.op('Transpose', [g.op('Reshape', [t, headShape], {}, p(`${name}_heads`))], { perm }, p(`${name}_t`));
    const qh = split(q, [0, 2, 1, 3], 'q'); // [N, h, L, dh]
    const kt = split(k, [0, 2, 3, 1], 'k'); // [N, h, dh, L]
    const vh = split(v, [0, 2, 1, 3], 'v'); // [N, h, L, dh]
    const weights = g.op('Softmax', [g.op('MatMul', [qh, kt], {}, p('scores'))], { axis: -1 }, p('weights'));
    const attended = g.op('MatMul', [weights, vh], {}, p('attended')); // [N, h, L, dh]
    const merged = g.op('Reshape', [g.op('Transpose', [attended], { perm: [0, 2, 1, 3] }, p('attended_t')), g.int64([0, 0, d])], {}, p('merged'));
    const proj = g.op('MatMul', [merged, g.weight(`${prefix}/out_kernel`, [d, d], ctx.weight('out_kernel').data)], {}, p('out_matmul'));
    const y = g.op('Add', [proj, g.weight(`${prefix}/out_bias`, [d], ctx.weight('out_bias').data)], {}, { name: ctx.outputName() });
    return [out(ctx, y, 'plain')];
  },
};
