import { AdamW } from './adamw.js';
import type { Param, ParamOptimizer } from './param-optimizer.js';
import { SgdMomentum } from './sgd-momentum.js';
import type { TrainConfig } from './train-config.js';

export function createOptimizer(c: Pick<TrainConfig, 'optimizer' | 'lr' | 'weightDecay' | 'momentum'>, params: readonly Param[]): ParamOptimizer {
  return c.optimizer === 'adamw'
    ? new AdamW(params, { learningRate: c.lr, weightDecay: c.weightDecay })
    : new SgdMomentum(params, { learningRate: c.lr, weightDecay: c.weightDecay, momentum: c.momentum });
}
