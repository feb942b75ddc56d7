import { pool2d } from './pooling2d.js';
import type { LayerConverter } from './registry.js';

export const averagePooling2dConverter: LayerConverter = {
  className: 'AveragePooling2D',
  convert: (ctx) => pool2d(ctx, 'AveragePool'),
};
