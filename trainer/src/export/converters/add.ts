import { out } from './common.js';
import type { LayerConverter } from './registry.js';

/** Add layer -> a chain of Add nodes (inputs must share rank and layout). */
export const addConverter: LayerConverter = {
  className: 'Add',
  convert(ctx) {
    const xs = ctx.inputs;
    if (xs.length < 2) throw ctx.error(`expects at least two inputs, got ${xs.length}`);
    for (const x of xs) {
      if (x.layout !== xs[0].layout || x.shape.length !== xs[0].shape.length) throw ctx.error('inputs differ in rank or layout');
    }
    let acc = xs[0].name;
    for (let i = 1; i < xs.length; i++) {
      acc = ctx.g.op('Add', [acc, xs[i].name], {}, i === xs.length - 1 ? { name: ctx.outputName() } : { base: `${ctx.prefix}/partial` });
    }
    return [out(ctx, acc, xs[0].layout)];
  },
};
