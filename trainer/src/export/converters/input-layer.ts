import { singleInput } from './common.js';
import type { LayerConverter } from './registry.js';

/**
 * InputLayer: the exporter hands it the graph input it declared (channels-first for images);
 * the layer itself computes nothing.
 */
export const inputLayerConverter: LayerConverter = {
  className: 'InputLayer',
  convert(ctx) {
    const x = singleInput(ctx);
    const dtype = ctx.config.dtype;
    if (dtype !== undefined && dtype !== 'float32') throw ctx.error(`input dtype ${String(dtype)} is not supported (float32 only)`);
    return [x];
  },
};
