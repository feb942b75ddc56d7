/**
 * `amft train --init <dir>`: start from the weights of an export directory (its `tfjs/`, written
 * by `amft export`) or of a trainer checkpoint, instead of a random initialization; and
 * `--freeze-trunk`: train the head only.
 *
 * Everything that can be wrong is checked before any data is loaded: the directory holds one of
 * the two layouts, the variant and LSTM head asked for on the command line are the model's, the
 * model's labels are the trainer's (LABELS, FER2013 order), the input size in its config is the
 * one its saved topology takes, and every weight has the shape the rebuilt model has.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { LABELS, Variant } from '@amft/shared';
import { ModelConfig, resolveModelConfig } from '../model/config.js';
import { TFJS_CONFIG_FILE, TFJS_DIR, readTfjsExportInfo } from '../export/write-tfjs.js';
import { resolveCheckpointDir, restoreModelWeights, type TrainState } from './checkpoint.js';
import { readModelWeights } from './fs-model-io.js';
import type { NamedTensor } from './param-optimizer.js';

export class InitError extends Error {
  override name = 'InitError';
}

export interface InitSource {
  /** What --init named, and which layout it is. */
  path: string;
  kind: 'export' | 'checkpoint';
  /** The full model config to rebuild the model from. */
  config: ModelConfig;
  labels: string[];
  /** Reads the weights (after the backend is chosen), in the order the model was saved. */
  weights: () => Promise<NamedTensor[]>;
}

/** Input shape [H, W, C] of the first InputLayer in a tfjs model.json topology, if recorded. */
function savedInputShape(modelJson: unknown): number[] | undefined {
  const layers = (modelJson as { modelTopology?: { config?: { layers?: Array<{ class_name?: string; config?: { batch_input_shape?: Array<number | null> } }> } } })
    .modelTopology?.config?.layers;
  const input = layers?.find((l) => l.class_name === 'InputLayer')?.config?.batch_input_shape;
  return input ? (input.slice(-3) as number[]) : undefined;
}

async function fromExport(path: string, tfjsDir: string): Promise<InitSource> {
  const info = await readTfjsExportInfo(tfjsDir);
  const parsed = ModelConfig.safeParse(info.modelConfig);
  if (!parsed.success) throw new InitError(`${path}: ${join(tfjsDir, TFJS_CONFIG_FILE)} has no valid model config (${parsed.error.issues[0]?.message})`);
  const config = parsed.data;
  const saved = savedInputShape(JSON.parse(await readFile(join(tfjsDir, 'model.json'), 'utf8')));
  const { height, width, channels } = config.preprocessing;
  if (saved && (saved[0] !== height || saved[1] !== width || saved[2] !== channels)) {
    throw new InitError(`${path}: input size mismatch: the saved model takes ${saved.join('x')} (HxWxC), its config says ${height}x${width}x${channels}`);
  }
  return { path, kind: 'export', config, labels: info.labels, weights: () => readModelWeights(tfjsDir) };
}

/** A trainer checkpoint: its model weights only (fine-tuning starts a fresh optimizer and schedule). */
async function fromCheckpoint(path: string): Promise<InitSource> {
  const dir = await resolveCheckpointDir(path);
  const { model } = (JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as TrainState);
  const parsed = ModelConfig.safeParse(model.config);
  const config = parsed.success ? parsed.data : resolveModelConfig(Variant.parse(model.variant), { lstm: model.lstm, preprocessing: model.preprocessing });
  return { path, kind: 'checkpoint', config, labels: [...LABELS], weights: () => readModelWeights(dir) };
}

/** The TensorFlow.js weights of an export directory (its tfjs/) or of a tfjs/ directory itself; undefined when `path` is neither. */
export async function readExportWeights(path: string): Promise<InitSource | undefined> {
  if (existsSync(join(path, TFJS_DIR, TFJS_CONFIG_FILE))) return fromExport(path, join(path, TFJS_DIR));
  if (existsSync(join(path, TFJS_CONFIG_FILE))) return fromExport(path, path);
  return undefined;
}

/** Reads `path`: an export directory (with tfjs/), a tfjs/ directory itself, or a checkpoint directory. */
export async function readInitSource(path: string): Promise<InitSource> {
  let exported: InitSource | undefined;
  try {
    exported = await readExportWeights(path);
  } catch (err) {
    throw err instanceof InitError ? new InitError(`--init ${err.message}`) : err;
  }
  if (exported) return exported;
  if (existsSync(join(path, 'state.json')) || existsSync(join(`${path}.old`, 'state.json'))) return fromCheckpoint(path);
  if (existsSync(join(path, 'model.onnx'))) {
    throw new InitError(`--init ${path}: the export has no ${TFJS_DIR}/ (TensorFlow.js weights); export it again with this version of 'amft export'`);
  }
  throw new InitError(`--init ${path}: neither an export directory with ${TFJS_DIR}/ (written by 'amft export') nor a checkpoint directory (with state.json)`);
}

/**
 * What the command line asks for against what the init model is; every mismatch in one error.
 * `variant`/`lstm` are checked when given (they default to the init model's).
 */
export function checkInitSource(init: InitSource, want: { variant?: Variant; lstm?: boolean }): void {
  const problems: string[] = [];
  const c = init.config;
  if (want.variant !== undefined && want.variant !== c.variant) problems.push(`variant: --variant ${want.variant}, the model is ${c.variant}`);
  if (want.lstm !== undefined && want.lstm !== c.lstm) problems.push(`LSTM head: --lstm ${want.lstm ? 'given' : 'not given'}, the model ${c.lstm ? 'has' : 'has no'} LSTM head`);
  if (init.labels.length !== LABELS.length || init.labels.some((l, i) => l !== LABELS[i])) {
    problems.push(`label set: the model has [${init.labels.join(', ')}], the trainer uses [${LABELS.join(', ')}]`);
  }
  if (problems.length) throw new InitError(`--init ${init.path} does not match this run:\n  ${problems.join('\n  ')}`);
}

/** Sets the freshly built model's weights to the init model's (shapes checked). */
export async function applyInitWeights(model: tf.LayersModel, init: InitSource): Promise<void> {
  const weights = await init.weights();
  try {
    restoreModelWeights(model, weights);
  } catch (err) {
    throw new InitError(`--init ${init.path}: ${(err as Error).message}`);
  } finally {
    for (const w of weights) w.tensor.dispose();
  }
}

/** The residual trunk's layers (stem and stages; see model/blocks.ts). */
export const isTrunkLayer = (name: string): boolean => /^(stem|stage\d+)_/.test(name) || name === 'stem_pool';

/**
 * `--freeze-trunk`: the residual trunk is frozen (not trained, and its batch norms use their
 * moving statistics even in training mode, so the features the head learns on are the ones it
 * will see at inference); the multi-scale fusion, the attention blocks, the transformer, the LSTM
 * and the classifier are trained. Returns the trainable and frozen parameter counts.
 */
export function freezeTrunk(model: tf.LayersModel): { trainable: number; frozen: number } {
  let frozen = 0;
  for (const layer of model.layers) {
    if (!isTrunkLayer(layer.name)) continue;
    frozen += layer.countParams();
    layer.trainable = false;
    if (layer.getClassName() === 'BatchNormalization') {
      const call = layer.call.bind(layer);
      layer.call = (inputs, kwargs) => call(inputs, { ...kwargs, training: false });
    }
  }
  const trainable = model.trainableWeights.reduce((s, w) => s + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
  if (frozen === 0) throw new InitError('--freeze-trunk: the model has no trunk layers (stem_*, stage<n>_*)');
  return { trainable, frozen };
}
