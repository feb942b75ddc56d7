/**
 * How `amft export` gets a model out of a checkpoint directory. The loader is injectable
 * (runExport's deps.loadCheckpoint); the default reads the trainer's checkpoints
 * (train/checkpoint.ts: tfjs model.json + weights.bin, state.json with the model config).
 */
import type * as tf from '@tensorflow/tfjs';
import { buildModel } from '../model/build-model.js';
import { ModelConfig, resolveModelConfig } from '../model/config.js';
import { Variant } from '@amft/shared';
import { disposeCheckpoint, loadCheckpoint, restoreModelWeights } from '../train/checkpoint.js';
import type { ExportMetadataInput } from './metadata.js';

export interface LoadedForExport {
  model: tf.LayersModel;
  config: ModelConfig;
  /** Facts the checkpoint knows (training backend, epochs, time, ...). */
  metadata?: ExportMetadataInput;
  /** The training hyperparameters recorded in the checkpoint (for the model card). */
  trainConfig?: Record<string, unknown>;
}

export type CheckpointLoader = (dir: string) => Promise<LoadedForExport>;

/** The trainer's checkpoint format: rebuild the model from the saved config, then set its weights. */
export const loadTrainerCheckpoint: CheckpointLoader = async (dir) => {
  const ckpt = await loadCheckpoint(dir);
  const { state } = ckpt;
  try {
    const saved = ModelConfig.safeParse(state.model.config);
    const config = saved.success
      ? saved.data
      : resolveModelConfig(Variant.parse(state.model.variant), { lstm: state.model.lstm, preprocessing: state.model.preprocessing });
    const model = buildModel(config);
    restoreModelWeights(model, ckpt.weights);
    const history = state.history ?? [];
    return {
      model,
      config,
      metadata: {
        training: {
          backend: state.backend,
          epochs: history.length,
          seconds: history.reduce((s, e) => s + (e.seconds ?? 0), 0),
          dataset: state.dataset ?? 'unspecified',
        },
      },
      trainConfig: { ...state.config },
    };
  } finally {
    disposeCheckpoint(ckpt);
  }
};
