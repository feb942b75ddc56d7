import type * as tf from '@tensorflow/tfjs';
import type { PreprocessingSpec, Variant } from '@amft/shared';
import { buildModel, ModelConfig, resolveModelConfig } from '../model/index.js';

/** What a run asks of the model: the CLI's --variant/--lstm, also saved in checkpoints. */
export interface ModelChoice {
  variant: Variant;
  lstm: boolean;
  /** The full config a checkpoint was trained with (BuiltModel.config): rebuild exactly that. */
  config?: unknown;
}

export interface BuiltModel {
  model: tf.LayersModel;
  /** The input the model expects; the data is decoded and normalized to it. */
  preprocessing: PreprocessingSpec;
  /** The full model config, saved in checkpoints for export. */
  config?: unknown;
}

/** Builds a fresh model; training, resume and evaluation all go through one. */
export type ModelFactory = (choice: ModelChoice) => BuiltModel;

/** The project's AMFT models (trainer/src/model). */
export const amftModelFactory: ModelFactory = ({ variant, lstm, config: saved }) => {
  const config = saved === undefined ? resolveModelConfig(variant, { lstm }) : ModelConfig.parse(saved);
  return { model: buildModel(config), preprocessing: config.preprocessing, config };
};
