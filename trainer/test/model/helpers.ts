import * as tf from '@tensorflow/tfjs';
import { resolveModelConfig, type ModelConfig, type ModelOverrides } from '../../src/model/index.js';
import type { Variant } from '@amft/shared';

/** Small configs per variant so shape, round-trip and gradient tests stay fast. */
export function smallConfig(variant: Variant, lstm: boolean): ModelConfig {
  const small: Record<Variant, ModelOverrides> = {
    // the exact seed architecture at 64x64 input: trunk output 2x2x2048
    seed: { preprocessing: { height: 64, width: 64 } },
    // amft at 64x64: taps 8x8, 4x4, 2x2 fused on 4x4, narrower widths
    amft: { preprocessing: { height: 64, width: 64 }, fusionWidth: 32, transformer: { layers: 1, heads: 4, feedForward: 64 } },
    lite: {},
  };
  return resolveModelConfig(variant, { ...small[variant], lstm });
}

export function randomInput(cfg: ModelConfig, batch: number, frames?: number, seed = 0): tf.Tensor {
  const { height, width, channels } = cfg.preprocessing;
  const shape = frames === undefined ? [batch, height, width, channels] : [batch, frames, height, width, channels];
  return tf.randomNormal(shape, 0, 1, 'float32', seed);
}

export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}
