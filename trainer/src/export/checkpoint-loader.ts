/**
 * How `amft export` gets a model out of a checkpoint directory. The loader is injectable
 * (runExport's deps.loadCheckpoint); the default reads the trainer's checkpoints
 * (train/checkpoint.ts: tfjs model.json + weights.bin, state.json with the model config).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { buildModel } from '../model/build-model.js';
import { ModelConfig, resolveModelConfig } from '../model/config.js';
import { ModelMetadata, Variant } from '@amft/shared';
import { disposeCheckpoint, loadCheckpoint, restoreModelWeights } from '../train/checkpoint.js';
import { applyInitWeights, checkInitSource, readExportWeights, type InitSource } from '../train/init-from.js';
import type { ExportMetadataInput } from './metadata.js';
import { METADATA_FILE } from './write-export.js';
import { TFJS_DIR } from './write-tfjs.js';

export interface LoadedForExport {
  model: tf.LayersModel;
  config: ModelConfig;
  /** Facts the checkpoint knows (training backend, epochs, time, ...). */
  metadata?: ExportMetadataInput;
  /** The training hyperparameters recorded in the checkpoint (for the model card). */
  trainConfig?: Record<string, unknown>;
}

export type CheckpointLoader = (dir: string) => Promise<LoadedForExport>;

/**
 * The trainer's checkpoint format: rebuild the model from the saved config, then set its weights.
 * An export directory (or its tfjs/) is read too, from the TensorFlow.js weights `amft export`
 * ships beside the ONNX: so a shipped model can be exported again (another TTA, quantization).
 */
export const loadTrainerCheckpoint: CheckpointLoader = async (dir) => {
  const exported = await readExportWeights(dir);
  if (exported) return loadExported(exported);
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

/** An export's weights; its metadata.json (beside tfjs/) gives the training facts when present. */
async function loadExported(src: InitSource): Promise<LoadedForExport> {
  checkInitSource(src, {});
  const model = buildModel(src.config);
  await applyInitWeights(model, src);
  // `path` is the export directory (with tfjs/) or its tfjs/ itself
  const meta = existsSync(join(src.path, TFJS_DIR)) ? join(src.path, METADATA_FILE) : join(src.path, '..', METADATA_FILE);
  const training = existsSync(meta) ? ModelMetadata.safeParse(JSON.parse(await readFile(meta, 'utf8'))).data?.training : undefined;
  return { model, config: src.config, metadata: training ? { training } : undefined };
}
