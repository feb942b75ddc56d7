import { singleInput } from './common.js';
import type { LayerConverter } from './registry.js';

/** Dropout is the identity at inference: no node, the output is the input tensor. */
export const dropoutConverter: LayerConverter = {
  className: 'Dropout',
  convert: (ctx) => [singleInput(ctx)],
};
