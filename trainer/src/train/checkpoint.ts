import { access, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { PreprocessingSpec } from '@amft/shared';
import { fileIO, readModelWeights } from './fs-model-io.js';
import type { NamedTensor } from './param-optimizer.js';
import type { TrainConfig } from './train-config.js';

/** Metrics of one finished epoch (also a line of metrics.jsonl). */
export interface EpochMetrics {
  epoch: number;
  step: number;
  lr: number;
  trainLoss: number;
  trainAccuracy: number;
  valLoss?: number;
  valAccuracy?: number;
  valMacroF1?: number;
  seconds: number;
  imagesPerSecond: number;
}

/**
 * Where training stands, saved with every checkpoint. Randomness is counter-based (each epoch's
 * order and each batch's augmentation come from Rng.derive(seed, ..., epoch, batch)), so
 * `rng` plus `epoch`/`batch` is the whole random state.
 */
export interface TrainState {
  version: 1;
  /** The epoch in progress (0-based), or the next one when `batch` is 0. */
  epoch: number;
  /** The next batch of `epoch` to train. */
  batch: number;
  globalStep: number;
  /** Sums over the finished batches of `epoch`. */
  running: { lossSum: number; correct: number; seen: number; seconds: number };
  history: EpochMetrics[];
  best: { epoch: number; metric: 'valAccuracy' | 'trainAccuracy'; value: number } | null;
  rng: { kind: 'sfc32-derived'; seed: number };
  config: TrainConfig;
  /** What eval and export need to rebuild the model. */
  model: { variant: string; lstm: boolean; preprocessing: PreprocessingSpec; config?: unknown };
  /** Training-set class counts, checked on resume. */
  trainCounts: number[];
  /** The training data, in words (path, format, size), for model metadata. */
  dataset?: string;
  backend: string;
  savedAt: string;
  /** CPU seconds of training spent so far, in a run with a CPU budget (train/cpu-budget.ts). */
  cpuSeconds?: number;
}

const STATE = 'state.json';
const OPT_JSON = 'optimizer.json';
const OPT_BIN = 'optimizer.bin';

/**
 * Writes a checkpoint directory atomically: everything goes into `<dir>.tmp-<pid>`, which then
 * replaces `dir` by two renames (the previous one moved to `<dir>.old` and removed after). A kill
 * at any point leaves either the old or the new checkpoint readable (see resolveCheckpointDir).
 */
export async function saveCheckpoint(dir: string, c: { model: tf.LayersModel; optimizer?: tf.Optimizer; state: TrainState }): Promise<void> {
  await writeDirAtomic(dir, async (tmp) => {
    await c.model.save(fileIO(tmp));
    if (c.optimizer) {
      const state = await c.optimizer.getWeights();
      const { data, specs } = await tf.io.encodeWeights(state);
      for (const { tensor } of state) if (!(tensor instanceof tf.Variable)) tensor.dispose(); // the iterations scalar
      await writeFile(join(tmp, OPT_BIN), new Uint8Array(data));
      await writeFile(join(tmp, OPT_JSON), JSON.stringify({ className: c.optimizer.getClassName(), config: c.optimizer.getConfig(), specs }));
    }
    await writeFile(join(tmp, STATE), JSON.stringify(c.state, null, 1));
  });
}

export interface LoadedCheckpoint {
  dir: string;
  state: TrainState;
  /** Model weights in the order of `model.weights` at save time. */
  weights: NamedTensor[];
  /** Optimizer state, when the checkpoint has one (the `last` one does). */
  optimizer?: NamedTensor[];
}

export async function loadCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  const real = await resolveCheckpointDir(dir);
  const state = JSON.parse(await readFile(join(real, STATE), 'utf8')) as TrainState;
  const weights = await readModelWeights(real);
  let optimizer: NamedTensor[] | undefined;
  if (await exists(join(real, OPT_JSON))) {
    const { specs } = JSON.parse(await readFile(join(real, OPT_JSON), 'utf8')) as { specs: tf.io.WeightsManifestEntry[] };
    const bin = await readFile(join(real, OPT_BIN));
    const map = tf.io.decodeWeights(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer, specs);
    optimizer = specs.map((s) => ({ name: s.name, tensor: map[s.name] }));
  }
  return { dir: real, state, weights, optimizer };
}

/**
 * Sets a freshly built model's weights from a checkpoint, checking every shape: by name when the
 * saved names are the model's (a model saved with frozen layers lists its weights in another
 * order: trainable ones first), else by position.
 */
export function restoreModelWeights(model: tf.LayersModel, saved: NamedTensor[]): void {
  const targets = model.weights;
  if (targets.length !== saved.length) {
    throw new Error(`checkpoint has ${saved.length} weight tensors, the model ${targets.length}: not the same architecture`);
  }
  const byName = new Map(saved.map((w) => [w.name, w]));
  const weights = byName.size === saved.length && targets.every((t) => byName.has(t.originalName)) ? targets.map((t) => byName.get(t.originalName)!) : saved;
  targets.forEach((t, i) => {
    if (!tf.util.arraysEqual(t.shape as number[], weights[i].tensor.shape)) {
      throw new Error(`checkpoint weight ${i} '${weights[i].name}' has shape [${weights[i].tensor.shape}], the model's '${t.originalName}' [${t.shape}]`);
    }
  });
  model.setWeights(weights.map((w) => w.tensor));
}

export function disposeCheckpoint(c: LoadedCheckpoint): void {
  for (const w of [...c.weights, ...(c.optimizer ?? [])]) w.tensor.dispose();
}

/** `dir`, or `<dir>.old` when a kill fell between the two renames of saveCheckpoint. */
export async function resolveCheckpointDir(dir: string): Promise<string> {
  if (await exists(join(dir, STATE))) return dir;
  if (await exists(join(`${dir}.old`, STATE))) return `${dir}.old`;
  throw new Error(`${dir}: no checkpoint there (no ${STATE})`);
}

async function writeDirAtomic(dir: string, fill: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}`;
  const old = `${dir}.old`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  await fill(tmp);
  // a kill between the renames below, last time, left the good copy at `old`: put it back first
  if (!(await exists(dir)) && (await exists(old))) await rename(old, dir);
  await rm(old, { recursive: true, force: true });
  if (await exists(dir)) await rename(dir, old);
  await rename(tmp, dir);
  await rm(old, { recursive: true, force: true });
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
