import { pool2d } from './pooling2d.js';
import type { LayerConverter } from './registry.js';

export const maxPooling2dConverter: LayerConverter = {
  className: 'MaxPooling2D',
  convert: (ctx) => pool2d(ctx, 'MaxPool'),
};
