import type * as tf from '@tensorflow/tfjs';
import { AdamW } from './adamw.js';
import { modelParams, type Param, type ParamOptimizer } from './param-optimizer.js';
import { SgdMomentum } from './sgd-momentum.js';
import type { TrainConfig } from './train-config.js';

export function createOptimizer(c: Pick<TrainConfig, 'optimizer' | 'lr' | 'weightDecay' | 'momentum'>, params: readonly Param[]): ParamOptimizer {
  return c.optimizer === 'adamw'
    ? new AdamW(params, { learningRate: c.lr, weightDecay: c.weightDecay })
    : new SgdMomentum(params, { learningRate: c.lr, weightDecay: c.weightDecay, momentum: c.momentum });
}

/** createOptimizer over a model's parameters: the optimizer data-parallel workers import by name. */
export function optimizerForModel(c: Pick<TrainConfig, 'optimizer' | 'lr' | 'weightDecay' | 'momentum'>, model: tf.LayersModel): ParamOptimizer {
  return createOptimizer(c, modelParams(model));
}
