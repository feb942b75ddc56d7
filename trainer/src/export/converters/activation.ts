import { emitActivation, singleInput } from './common.js';
import type { LayerConverter } from './registry.js';

/** Activation layer (relu, sigmoid, softmax over the last tfjs axis, tanh, ...); linear is no node at all. */
export const activationConverter: LayerConverter = {
  className: 'Activation',
  convert(ctx) {
    const x = singleInput(ctx);
    const act = (ctx.config.activation as string | undefined) ?? 'linear';
    if (act === 'linear') return [x];
    return [{ ...emitActivation(ctx, x, act, ctx.outputName()), shape: ctx.outputShapes[0] }];
  },
};
