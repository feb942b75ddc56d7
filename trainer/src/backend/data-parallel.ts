// Data-parallel training over node:worker_threads. tfjs runs every kernel on the calling thread
// (wasm threads are off under Node by default), so one process trains on one core; here W workers
// each own a wasm backend and an identical replica of a tf.layers model, built from serializable
// factory references (module + export name + JSON config). Per step:
//   1. the batch is split into W row shards, one per worker;
//   2. each worker computes its shard's share of the batch loss, sum(w * l) / sum(w) over the
//      *whole* batch (w = 1 without sample weights), and its gradients, and writes them into its
//      slot of a SharedArrayBuffer;
//   3. the main thread sums the slots (= the gradient of the full-batch loss) into a shared
//      result slot and averages the replicas' non-trainable weights (batch-norm moving stats);
//   4. every worker applies the same summed gradient with its own, identically initialised
//      optimizer, so the replicas stay bit-identical (same backend, same float operations).
// Batch norm therefore normalises with per-shard statistics ("ghost batch norm", as in PyTorch DDP
// without SyncBatchNorm); averaging the moving means across shards gives exactly the full-batch
// moving mean, the moving variances miss only the between-shard term.
// This module is the main thread; the workers run data-parallel-worker.ts, started with the one
// worker-thread module (@amft/shared/threads), and what crosses is in data-parallel-protocol.ts.
import * as tf from '@tensorflow/tfjs';
import { siblingModule, ThreadClient } from '@amft/shared/threads';
import { isRef, toUrl, type FromWorker, type InitData, type LossSpec, type ModelFactorySpec, type OptimizerSpec, type ReadyInfo, type ToWorker, type WeightValue } from './data-parallel-protocol.js';

export type { FactoryRef, LossSpec, ModelFactorySpec, OptimizerSpec, WeightValue } from './data-parallel-protocol.js';

export interface DataParallelOptions {
  model: ModelFactorySpec;
  /** default 2 */
  workers?: number;
  /** default Adam(1e-3) */
  optimizer?: OptimizerSpec;
  /** default categoricalCrossentropy */
  loss?: LossSpec;
  /** backend inside the workers, default 'wasm' (with our gradient kernels) */
  backend?: 'wasm' | 'cpu';
  /** 'stock' for benchmarking the tfjs-shipped wasm kernels */
  wasmKernels?: 'ours' | 'stock';
}

export interface Batch {
  /** row-major [batch, ...] in the model's input shape */
  x: Float32Array;
  xShape: number[];
  /** one-hot rows (float32) or integer class ids (int32), [batch, ...] */
  y: Float32Array | Int32Array;
  yShape: number[];
  /** per-example loss weights: the loss is sum(w * l) / sum(w) */
  weights?: Float32Array;
  /** learning rate of this step's update (default: unchanged) */
  learningRate?: number;
  /** seeded dropout masks (model/seeded-random.ts); each shard draws its own rows' masks */
  dropout?: { seed: number; step: number };
}

export interface StepResult {
  /** the batch loss before the update (plus regularisation losses) */
  loss: number;
  /** rows whose arg-max output matches the label */
  correct: number;
}

// ---- main thread ------------------------------------------------------------------------------

type WorkerClient = ThreadClient<ReadyInfo, ToWorker, FromWorker>;

/** Sends `m` to a worker and returns its answer, which must be of `type`. */
async function request<T extends FromWorker['type']>(h: WorkerClient, m: ToWorker, type: T): Promise<Extract<FromWorker, { type: T }>> {
  const r = await h.call(m);
  if (r.type !== type) throw new Error(`data-parallel worker: expected '${type}', got '${r.type}'`);
  return r as Extract<FromWorker, { type: T }>;
}

export class DataParallelTrainer {
  private constructor(
    private readonly handles: WorkerClient[],
    private readonly slots: Float32Array[],
    private readonly result: Float32Array,
    /** number of trainable parameters */
    readonly numParams: number,
  ) {}

  get workers(): number {
    return this.handles.length;
  }

  /** Starts the workers, builds the replicas and copies worker 0's initial weights to the others. */
  static async create(opts: DataParallelOptions): Promise<DataParallelTrainer> {
    const workers = opts.workers ?? 2;
    if (!Number.isInteger(workers) || workers < 1) throw new Error(`workers must be a positive integer, got ${workers}`);
    const optimizer = opts.optimizer ?? { name: 'adam', learningRate: 1e-3 };
    const loss = opts.loss ?? { name: 'categoricalCrossentropy' };
    const base = {
      workers,
      model: toUrl(opts.model),
      optimizer: isRef(optimizer) ? toUrl(optimizer) : optimizer,
      loss: isRef(loss) ? toUrl(loss) : loss,
      backend: opts.backend ?? 'wasm',
      wasmKernels: opts.wasmKernels ?? 'ours',
    };
    const entry = siblingModule(import.meta.url, 'data-parallel-worker');
    const start = (index: number, shared: SharedArrayBuffer) =>
      ThreadClient.start<ReadyInfo, ToWorker, FromWorker>(entry, { ...base, index, shared } satisfies InitData, { name: `data-parallel worker ${index}`, restart: false });
    // worker 0 builds the model first and reports its parameter count, which sizes the shared
    // gradient buffer; the others start once it exists
    const first = await start(0, new SharedArrayBuffer(4));
    const handles = [first];
    try {
      const n = first.info.numParams;
      const shared = new SharedArrayBuffer(4 * n * (workers + 1));
      await request(first, { type: 'shared', shared }, 'ok');
      const rest = await Promise.allSettled(Array.from({ length: workers - 1 }, (_, i) => start(i + 1, shared)));
      for (const r of rest) if (r.status === 'fulfilled') handles.push(r.value);
      const failed = rest.find((r) => r.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
      const weights = first.info.weights ?? [];
      await Promise.all(handles.slice(1).map((h) => request(h, { type: 'setWeights', weights }, 'ok')));
      const slots = handles.map((_, i) => new Float32Array(shared, 4 * n * i, n));
      return new DataParallelTrainer(handles, slots, new Float32Array(shared, 4 * n * workers, n), n);
    } catch (err) {
      await Promise.all(handles.map((h) => h.close()));
      throw err;
    }
  }

  /** One optimizer step on a batch; rows are split evenly over the workers. */
  async step(batch: Batch): Promise<StepResult> {
    const { x, xShape, y, yShape, weights, dropout } = batch;
    const rows = xShape[0];
    if (yShape[0] !== rows || (weights !== undefined && weights.length !== rows)) throw new Error(`x has ${rows} rows, y ${yShape[0]}, weights ${weights?.length}`);
    const active = Math.min(this.handles.length, rows);
    const xRow = x.length / rows;
    const yRow = y.length / rows;
    const denominator = weights === undefined ? rows : Math.max(weights.reduce((a, v) => a + v, 0), 1e-12);
    const replies = this.handles.map((h, i) => {
      // with fewer rows than workers the idle ones still take part, with an empty shard
      const r0 = i < active ? Math.floor((i * rows) / active) : rows;
      const r1 = i < active ? Math.floor(((i + 1) * rows) / active) : rows;
      return request(h, {
        type: 'step',
        x: x.slice(r0 * xRow, r1 * xRow), xShape: [r1 - r0, ...xShape.slice(1)],
        y: y.slice(r0 * yRow, r1 * yRow), yShape: [r1 - r0, ...yShape.slice(1)],
        w: weights === undefined ? null : weights.slice(r0, r1),
        denominator,
        regScale: (r1 - r0) / rows,
        dropout: dropout === undefined ? null : { ...dropout, rowOffset: r0 },
      }, 'grads');
    });
    const got = await Promise.all(replies);
    // the shard gradients add up to the gradient of the full-batch loss
    this.result.set(this.slots[0]);
    for (let i = 1; i < this.slots.length; i++) {
      const s = this.slots[i];
      for (let j = 0; j < s.length; j++) this.result[j] += s[j];
    }
    const stats = got.slice(0, active);
    const nonTrainable = stats[0].nonTrainable.map((v, k) => {
      const avg = new Float32Array(v.length);
      for (const g of stats) for (let j = 0; j < v.length; j++) avg[j] += g.nonTrainable[k][j] / stats.length;
      return avg;
    });
    await Promise.all(this.handles.map((h) => request(h, { type: 'apply', nonTrainable, learningRate: batch.learningRate ?? null }, 'ok')));
    return { loss: stats.reduce((a, g) => a + g.loss, 0), correct: stats.reduce((a, g) => a + g.correct, 0) };
  }

  /** All weights of replica `index` (default 0), in `model.getWeights()` order. */
  async getWeights(index = 0): Promise<WeightValue[]> {
    return (await request(this.handles[index], { type: 'getWeights' }, 'weights')).weights;
  }

  /** Loads weights (model.getWeights() order) into every replica, e.g. to resume. */
  async setWeights(weights: WeightValue[]): Promise<void> {
    await Promise.all(this.handles.map((h) => request(h, { type: 'setWeights', weights }, 'ok')));
  }

  /** Copies the trained weights into a model of the same architecture on this thread. */
  async loadInto(model: tf.LayersModel): Promise<void> {
    const tensors = (await this.getWeights()).map((w) => tf.tensor(w.values, w.shape));
    model.setWeights(tensors);
    tf.dispose(tensors);
  }

  /** The optimizer's state (tf.Optimizer.getWeights, names included) from replica 0, for checkpoints. */
  async getOptimizerWeights(): Promise<WeightValue[]> {
    return (await request(this.handles[0], { type: 'getOptimizerWeights' }, 'weights')).weights;
  }

  async setOptimizerWeights(weights: WeightValue[]): Promise<void> {
    await Promise.all(this.handles.map((h) => request(h, { type: 'setOptimizerWeights', weights }, 'ok')));
  }

  /** Sets `learningRate` on every replica's optimizer (schedules). */
  async setLearningRate(learningRate: number): Promise<void> {
    await Promise.all(this.handles.map((h) => request(h, { type: 'setLearningRate', learningRate }, 'ok')));
  }

  /** Largest absolute difference between any replica's weights and replica 0's (0 when in sync). */
  async maxReplicaDivergence(): Promise<number> {
    const all = await Promise.all(this.handles.map((_, i) => this.getWeights(i)));
    let max = 0;
    for (const other of all.slice(1)) {
      other.forEach((w, k) => {
        const ref = all[0][k].values;
        for (let j = 0; j < ref.length; j++) max = Math.max(max, Math.abs(w.values[j] - ref[j]));
      });
    }
    return max;
  }

  async terminate(): Promise<void> {
    await Promise.all(this.handles.map((h) => h.close()));
  }
}
