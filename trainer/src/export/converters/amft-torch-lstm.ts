import { out, singleInput } from './common.js';
import type { LayerConverter } from './registry.js';

/** ONNX gate order i, o, f, c as indices into PyTorch's i, f, g, o. */
const TORCH_GATE_FOR_ONNX = [0, 3, 1, 2];

/** tfjs [in, 4H] (PyTorch gate order, transposed) -> ONNX [1, 4H, in] in ONNX gate order. */
function gateMatrix(data: Float32Array, inputs: number, h: number): Float32Array {
  const res = new Float32Array(4 * h * inputs);
  TORCH_GATE_FOR_ONNX.forEach((tg, og) => {
    for (let j = 0; j < h; j++) for (let d = 0; d < inputs; d++) res[(og * h + j) * inputs + d] = data[d * 4 * h + tg * h + j];
  });
  return res;
}

function gateBias(data: Float32Array, h: number): Float32Array {
  const res = new Float32Array(4 * h);
  TORCH_GATE_FOR_ONNX.forEach((tg, og) => res.set(data.subarray(tg * h, (tg + 1) * h), og * h));
  return res;
}

/**
 * AmftTorchLstm [N,T,D] -> [N,T,H]: Transpose to [T,N,D], ONNX LSTM (forward, zero initial
 * state; W [1,4H,D], R [1,4H,H], B [1,8H] = [b_ih, b_hh], gates reordered i,f,g,o -> i,o,f,c),
 * Y [T,1,N,H] -> Squeeze -> Transpose back to [N,T,H].
 */
export const torchLstmConverter: LayerConverter = {
  className: 'AmftTorchLstm',
  convert(ctx) {
    const x = singleInput(ctx, 'plain');
    const { g, prefix } = ctx;
    const h = ctx.config.units as number;
    const wIh = ctx.weight('w_ih');
    const d = wIh.shape[0];
    if (x.shape.length !== 3 || x.shape[2] !== d) throw ctx.error(`expects [N, T, ${d}], got [${x.shape}]`);
    const b = new Float32Array(8 * h);
    b.set(gateBias(ctx.weight('b_ih').data, h), 0);
    b.set(gateBias(ctx.weight('b_hh').data, h), 4 * h);
    const p = (n: string) => ({ base: `${prefix}/${n}` });
    const timeMajor = g.op('Transpose', [x.name], { perm: [1, 0, 2] }, p('time_major'));
    const y = g.op(
      'LSTM',
      [
        timeMajor,
        g.weight(`${prefix}/W`, [1, 4 * h, d], gateMatrix(wIh.data, d, h)),
        g.weight(`${prefix}/R`, [1, 4 * h, h], gateMatrix(ctx.weight('w_hh').data, h, h)),
        g.weight(`${prefix}/B`, [1, 8 * h], b),
      ],
      { hidden_size: h, direction: 'forward' },
      p('Y'),
    );
    const states = g.op('Squeeze', [y, g.int64([1])], {}, p('states_time_major'));
    return [out(ctx, g.op('Transpose', [states], { perm: [1, 0, 2] }, { name: ctx.outputName() }), 'plain')];
  },
};
