// The two ways `amft train` runs an optimizer step, behind one interface:
//   * 'single': trainStep on the main thread's backend;
//   * 'data-parallel': the batch split into row shards over worker threads, each with its own
//     wasm backend and model replica (backend/data-parallel.ts); their gradients of the
//     full-batch loss are summed, and every replica applies the same update.
// Both use the same loss (train/loss.ts), optimizer (train/create-optimizer.ts), seeded dropout
// (row masks from model/seeded-random.ts) and learning rate, and the main thread's model and
// optimizer hold the state that checkpoints save, so a run can stop on one path and resume on
// the other. What differs: float summation order, and batch norm, which normalises each shard
// with its own statistics on the data-parallel path ("ghost batch norm").
import * as tf from '@tensorflow/tfjs';
import { fileURLToPath } from 'node:url';
import { DataParallelTrainer, type FactoryRef, type WeightValue } from '../backend/data-parallel.js';
import type { NamedTensor, ParamOptimizer } from './param-optimizer.js';
import type { TrainConfig } from './train-config.js';
import { trainStep, type StepResult } from './train-step.js';

export interface StepBatch {
  /** [size, H, W, C] row-major */
  x: Float32Array;
  size: number;
  labels: Int32Array;
  weights?: Float32Array | null;
  /** Soft targets [size, K] (mixup, cutmix); the loss's targets when present. */
  targets?: Float32Array | null;
}

export interface StepEngine {
  /** 'single', or 'data-parallel (N workers)' */
  readonly name: string;
  /** One optimizer step at learning rate `lr`; `globalStep` (0-based) seeds its dropout masks. */
  step(batch: StepBatch, lr: number, globalStep: number): Promise<StepResult>;
  /** Brings the main thread's model and optimizer up to date (before evaluation and checkpoints). */
  pull(): Promise<void>;
  close(): Promise<void>;
}

export interface EngineContext {
  model: tf.LayersModel;
  optimizer: ParamOptimizer;
  config: TrainConfig;
  /** [H, W, C] of one image */
  inputShape: [number, number, number];
  /** The logit-adjusted loss's tau * log(prior) (train/loss.ts logitAdjustment); plain loss without. */
  logitAdjustment?: number[] | null;
}

export function singleEngine(c: EngineContext): StepEngine {
  const { model, optimizer, config: cfg } = c;
  return {
    name: 'single',
    async step(b, lr, globalStep) {
      optimizer.learningRate = lr;
      const x = tf.tensor4d(b.x, [b.size, ...c.inputShape]);
      const y = tf.tensor1d(b.labels, 'int32');
      const w = b.weights ? tf.tensor1d(b.weights) : null;
      const targets = b.targets ? tf.tensor2d(b.targets, [b.size, b.targets.length / b.size]) : null;
      try {
        const loss = { labelSmoothing: cfg.labelSmoothing, targets, logitAdjustment: c.logitAdjustment ?? null };
        return trainStep(model, optimizer, x, y, w, { ...loss, dropout: { seed: cfg.seed, step: globalStep } });
      } finally {
        tf.dispose([x, y, ...(w ? [w] : []), ...(targets ? [targets] : [])]);
      }
    },
    async pull() {},
    async close() {},
  };
}

export interface DataParallelChoice {
  workers: number;
  /** `(config) => tf.LayersModel` building the run's model (default: the AMFT model of `modelConfig`) */
  model?: FactoryRef;
  /** BuiltModel.config, for the default model factory */
  modelConfig?: unknown;
  /** the workers' backend (default wasm) */
  backend?: 'wasm' | 'cpu';
}

const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
/** A module of this folder, as data-parallel workers import it (from source under tsx, or dist). */
const sibling = (name: string) => fileURLToPath(new URL(`./${name}${ext}`, import.meta.url));

/** Starts the workers and loads the main thread's model weights and optimizer state into them. */
export async function dataParallelEngine(c: EngineContext, dp: DataParallelChoice): Promise<StepEngine> {
  const { model, optimizer, config: cfg } = c;
  const { optimizer: name, lr, weightDecay, momentum, labelSmoothing } = cfg;
  const trainer = await DataParallelTrainer.create({
    workers: dp.workers,
    backend: dp.backend ?? 'wasm',
    model: dp.model ?? { module: sibling('model-factory'), exportName: 'buildFromConfig', config: dp.modelConfig },
    optimizer: { module: sibling('create-optimizer'), exportName: 'optimizerForModel', config: { optimizer: name, lr, weightDecay, momentum } },
    loss: { name: 'sparseSoftmaxCrossEntropy', labelSmoothing, ...(c.logitAdjustment ? { logitAdjustment: c.logitAdjustment } : {}) },
  });
  try {
    await trainer.setWeights(model.getWeights().map(toValue));
    const state = await optimizer.getWeights();
    await trainer.setOptimizerWeights(state.map((w) => ({ name: w.name, ...toValue(w.tensor) })));
    for (const { tensor } of state) if (!(tensor instanceof tf.Variable)) tensor.dispose(); // the iterations scalar
  } catch (err) {
    await trainer.terminate();
    throw err;
  }
  return {
    name: `data-parallel (${dp.workers} workers)`,
    async step(b, lr, globalStep) {
      return trainer.step({
        x: b.x,
        xShape: [b.size, ...c.inputShape],
        // soft targets travel as float rows; the workers' loss takes either
        y: b.targets ?? b.labels,
        yShape: b.targets ? [b.size, b.targets.length / b.size] : [b.size],
        weights: b.weights ?? undefined,
        learningRate: lr,
        dropout: { seed: cfg.seed, step: globalStep },
      });
    },
    async pull() {
      await trainer.loadInto(model);
      const named: NamedTensor[] = (await trainer.getOptimizerWeights()).map((w) => ({ name: w.name ?? '', tensor: tf.tensor(w.values, w.shape) }));
      try {
        await optimizer.setWeights(named);
      } finally {
        tf.dispose(named.map((n) => n.tensor));
      }
    },
    close: () => trainer.terminate(),
  };
}

const toValue = (t: tf.Tensor): WeightValue => ({ shape: t.shape, values: Float32Array.from(t.dataSync()) });
