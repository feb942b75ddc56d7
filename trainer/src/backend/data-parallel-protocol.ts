// What crosses between the data-parallel trainer (data-parallel.ts, main thread) and its workers
// (data-parallel-worker.ts): the factory references a worker builds its replica from, its
// workerData, what it says when ready, and the messages and answers of the shared/threads calls.
import { pathToFileURL } from 'node:url';
import type { DropoutStream } from '../model/seeded-random.js';

/** An export of an ES module that workers import: absolute path or file: URL (a .ts module is fine under tsx). */
export interface FactoryRef {
  module: string;
  exportName: string;
  /** JSON-serialisable first argument of the export */
  config?: unknown;
}

/** `(config) => tf.LayersModel` (uncompiled). */
export type ModelFactorySpec = FactoryRef;

/** Built-in optimizers, or a FactoryRef to `(config, model: tf.LayersModel) => tf.Optimizer`. */
export type OptimizerSpec =
  | { name: 'adam'; learningRate?: number; beta1?: number; beta2?: number; epsilon?: number }
  | { name: 'sgd'; learningRate: number }
  | { name: 'momentum'; learningRate: number; momentum: number; useNesterov?: boolean }
  | FactoryRef;

/**
 * Built-in per-example losses: 'categoricalCrossentropy' (softmax probabilities vs one-hot, as
 * tf.layers), 'sparseSoftmaxCrossEntropy' (logits vs integer labels or float soft-target rows,
 * with label smoothing and logit adjustment: the trainer's train/loss.ts). Or a FactoryRef to
 * `(config) => (output: tf.Tensor, labels: tf.Tensor) => tf.Tensor` returning one loss per row.
 */
export type LossSpec =
  | { name: 'categoricalCrossentropy' }
  | { name: 'sparseSoftmaxCrossEntropy'; labelSmoothing?: number; logitAdjustment?: number[] }
  | FactoryRef;

export interface WeightValue {
  name?: string;
  shape: number[];
  values: Float32Array;
}

/** workerData of a worker. */
export interface InitData {
  index: number;
  workers: number;
  model: ModelFactorySpec;
  optimizer: OptimizerSpec;
  loss: LossSpec;
  backend: 'wasm' | 'cpu';
  wasmKernels: 'ours' | 'stock';
  shared: SharedArrayBuffer;
}

/** What a worker says of itself when ready: its parameter count, and (worker 0) its initial weights. */
export interface ReadyInfo {
  numParams: number;
  weights?: WeightValue[];
}

export type ToWorker =
  | { type: 'shared'; shared: SharedArrayBuffer }
  | { type: 'setWeights'; weights: WeightValue[] }
  | { type: 'step'; x: Float32Array; xShape: number[]; y: Float32Array | Int32Array; yShape: number[]; w: Float32Array | null; denominator: number; regScale: number; dropout: DropoutStream | null }
  | { type: 'apply'; nonTrainable: Float32Array[]; learningRate: number | null }
  | { type: 'getWeights' }
  | { type: 'getOptimizerWeights' }
  | { type: 'setOptimizerWeights'; weights: WeightValue[] }
  | { type: 'setLearningRate'; learningRate: number };

export type FromWorker =
  | { type: 'grads'; loss: number; correct: number; nonTrainable: Float32Array[] }
  | { type: 'weights'; weights: WeightValue[] }
  | { type: 'ok' };

export const isRef = (s: object): s is FactoryRef => 'module' in s && 'exportName' in s;
/** `ref` with its module as a file: URL, which a worker can import from anywhere. */
export const toUrl = (ref: FactoryRef): FactoryRef => ({ ...ref, module: ref.module.startsWith('file:') ? ref.module : pathToFileURL(ref.module).href });
