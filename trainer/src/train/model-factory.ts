import type * as tf from '@tensorflow/tfjs';
import type { PreprocessingSpec, Variant } from '@amft/shared';
import { buildModel, ModelConfig, resolveModelConfig, withSeededRandom } from '../model/index.js';

/** What a run asks of the model: the CLI's --variant/--lstm, also saved in checkpoints. */
export interface ModelChoice {
  variant: Variant;
  lstm: boolean;
  /** The full config a checkpoint was trained with (BuiltModel.config): rebuild exactly that. */
  config?: unknown;
  /** Seeds the weight initialisers (the run's --seed): one seed, one set of initial weights. */
  seed?: number;
  /** Trunk width/depth overrides of the variant's defaults (--widths, --blocks), when no `config` is given. */
  trunk?: { widths?: number[]; blocks?: number[] };
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
export const amftModelFactory: ModelFactory = ({ variant, lstm, config: saved, seed, trunk }) => {
  const overrides = trunk && { ...(trunk.widths && { widths: trunk.widths }), ...(trunk.blocks && { blocks: trunk.blocks }) };
  const config = saved === undefined ? resolveModelConfig(variant, { lstm, ...(overrides && { trunk: overrides }) }) : ModelConfig.parse(saved);
  const model = seed === undefined ? buildModel(config) : withSeededRandom(seed, () => buildModel(config));
  return { model, preprocessing: config.preprocessing, config };
};

/** The model of a full config (BuiltModel.config), for data-parallel workers to import by name. */
export function buildFromConfig(config: unknown): tf.LayersModel {
  return buildModel(ModelConfig.parse(config));
}
