// A tiny seeded conv net and a learnable synthetic dataset (bright faces are 'happy', dark
// ones 'angry') for fast training tests.
import * as tf from '@tensorflow/tfjs';
import type { PreprocessingSpec } from '@amft/shared';
import { Rng } from '../../src/data/rng.js';
import type { ImageDataset } from '../../src/data/sample.js';
import type { ModelFactory } from '../../src/train/model-factory.js';

export const TINY_SPEC: PreprocessingSpec = { height: 16, width: 16, channels: 1, mean: [0.5], std: [0.5], faceMargin: 0.25 };

export function tinyModel(seed = 1): tf.LayersModel {
  const input = tf.input({ shape: [16, 16, 1] });
  let x = tf.layers
    .conv2d({ filters: 4, kernelSize: 3, strides: 2, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed }) })
    .apply(input) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: 7, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits });
}

export const tinyFactory: ModelFactory = () => ({ model: tinyModel(), preprocessing: TINY_SPEC, config: { tiny: true } });

/** n images, half dark (label 0) and half bright (label 3), with seeded noise. */
export function brightDark(n: number, seed = 1): ImageDataset {
  const rng = Rng.fromSeed(seed);
  const size = 16 * 16;
  const pixels = new Uint8Array(n * size);
  const samples = [];
  for (let i = 0; i < n; i++) {
    const bright = i % 2 === 1;
    const base = bright ? 170 : 70;
    for (let p = 0; p < size; p++) pixels[i * size + p] = base + rng.int(50) - 25;
    samples.push({ source: `synthetic:${i}`, label: bright ? 3 : 0 });
  }
  return { geometry: { height: 16, width: 16, channels: 1 }, samples, pixels };
}

export function weightsOf(model: tf.LayersModel): Float32Array[] {
  return model.getWeights().map((w) => w.dataSync() as Float32Array);
}
