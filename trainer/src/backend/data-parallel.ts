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
import * as tf from '@tensorflow/tfjs';
import { pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { withDropoutStream, type DropoutStream } from '../model/seeded-random.js';
import { imageLogits } from '../train/forward.js';
import { perSampleCrossEntropy } from '../train/loss.js';

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
 * tf.layers), 'sparseSoftmaxCrossEntropy' (logits vs integer labels, with label smoothing: the
 * trainer's train/loss.ts). Or a FactoryRef to
 * `(config) => (output: tf.Tensor, labels: tf.Tensor) => tf.Tensor` returning one loss per row.
 */
export type LossSpec = { name: 'categoricalCrossentropy' } | { name: 'sparseSoftmaxCrossEntropy'; labelSmoothing?: number } | FactoryRef;

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

export interface WeightValue {
  name?: string;
  shape: number[];
  values: Float32Array;
}

// ---- messages ---------------------------------------------------------------------------------

interface InitData {
  kind: 'amft-data-parallel';
  index: number;
  workers: number;
  model: ModelFactorySpec;
  optimizer: OptimizerSpec;
  loss: LossSpec;
  backend: 'wasm' | 'cpu';
  wasmKernels: 'ours' | 'stock';
  shared: SharedArrayBuffer;
}

type ToWorker =
  | { type: 'shared'; shared: SharedArrayBuffer }
  | { type: 'setWeights'; weights: WeightValue[] }
  | { type: 'step'; x: Float32Array; xShape: number[]; y: Float32Array | Int32Array; yShape: number[]; w: Float32Array | null; denominator: number; regScale: number; dropout: DropoutStream | null }
  | { type: 'apply'; nonTrainable: Float32Array[]; learningRate: number | null }
  | { type: 'getWeights' }
  | { type: 'getOptimizerWeights' }
  | { type: 'setOptimizerWeights'; weights: WeightValue[] }
  | { type: 'setLearningRate'; learningRate: number };

type FromWorker =
  | { type: 'ready'; numParams: number; weights?: WeightValue[] }
  | { type: 'grads'; loss: number; correct: number; nonTrainable: Float32Array[] }
  | { type: 'weights'; weights: WeightValue[] }
  | { type: 'ok' }
  | { type: 'error'; message: string };

const isRef = (s: object): s is FactoryRef => 'module' in s && 'exportName' in s;
const toUrl = (ref: FactoryRef): FactoryRef => ({ ...ref, module: ref.module.startsWith('file:') ? ref.module : pathToFileURL(ref.module).href });

// ---- main thread ------------------------------------------------------------------------------

/** A worker running this module. */
function startWorker(data: InitData): Worker {
  const self = import.meta.url;
  if (self.endsWith('.ts')) {
    // Running from source under tsx: worker threads don't inherit tsx's module hooks (not even
    // with --import in execArgv), so register them before importing this file.
    const tsxApi = import.meta.resolve('tsx/esm/api');
    const code = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(self)}); });`;
    return new Worker(code, { eval: true, workerData: data });
  }
  return new Worker(new URL(self), { workerData: data });
}

class WorkerHandle {
  private readonly inbox: FromWorker[] = [];
  private readonly waiting: Array<{ resolve: (m: FromWorker) => void; reject: (e: Error) => void }> = [];
  private failure: Error | undefined;

  constructor(readonly worker: Worker) {
    worker.on('message', (m: FromWorker) => {
      const w = this.waiting.shift();
      if (w === undefined) this.inbox.push(m); // not asked for yet
      else if (m.type === 'error') w.reject(new Error(`data-parallel worker: ${m.message}`));
      else w.resolve(m);
    });
    const fail = (e: Error) => {
      this.failure ??= e;
      for (const w of this.waiting.splice(0)) w.reject(e);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`data-parallel worker exited (code ${code})`)));
  }

  /** Sends `m` (unless null) and returns the worker's next message, which must be of `type`. */
  async request<T extends FromWorker['type']>(m: ToWorker | null, type: T): Promise<Extract<FromWorker, { type: T }>> {
    const queued = this.inbox.shift();
    const reply =
      queued !== undefined
        ? queued.type === 'error' ? Promise.reject(new Error(`data-parallel worker: ${queued.message}`)) : Promise.resolve(queued)
        : this.failure !== undefined ? Promise.reject(this.failure) : new Promise<FromWorker>((resolve, reject) => this.waiting.push({ resolve, reject }));
    if (m !== null) this.worker.postMessage(m);
    const r = await reply;
    if (r.type !== type) throw new Error(`data-parallel worker: expected '${type}', got '${r.type}'`);
    return r as Extract<FromWorker, { type: T }>;
  }
}

export class DataParallelTrainer {
  private constructor(
    private readonly handles: WorkerHandle[],
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
      kind: 'amft-data-parallel' as const,
      workers,
      model: toUrl(opts.model),
      optimizer: isRef(optimizer) ? toUrl(optimizer) : optimizer,
      loss: isRef(loss) ? toUrl(loss) : loss,
      backend: opts.backend ?? 'wasm',
      wasmKernels: opts.wasmKernels ?? 'ours',
    };
    // worker 0 builds the model first and reports its parameter count, which sizes the shared
    // gradient buffer; the others start once it exists
    const first = new WorkerHandle(startWorker({ ...base, index: 0, shared: new SharedArrayBuffer(4) }));
    const handles = [first];
    try {
      const ready0 = await first.request(null, 'ready');
      const n = ready0.numParams;
      const shared = new SharedArrayBuffer(4 * n * (workers + 1));
      await first.request({ type: 'shared', shared }, 'ok');
      for (let i = 1; i < workers; i++) handles.push(new WorkerHandle(startWorker({ ...base, index: i, shared })));
      await Promise.all(handles.slice(1).map((h) => h.request(null, 'ready')));
      const weights = ready0.weights ?? [];
      await Promise.all(handles.slice(1).map((h) => h.request({ type: 'setWeights', weights }, 'ok')));
      const slots = handles.map((_, i) => new Float32Array(shared, 4 * n * i, n));
      return new DataParallelTrainer(handles, slots, new Float32Array(shared, 4 * n * workers, n), n);
    } catch (err) {
      await Promise.all(handles.map((h) => h.worker.terminate()));
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
      return h.request({
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
    await Promise.all(this.handles.map((h) => h.request({ type: 'apply', nonTrainable, learningRate: batch.learningRate ?? null }, 'ok')));
    return { loss: stats.reduce((a, g) => a + g.loss, 0), correct: stats.reduce((a, g) => a + g.correct, 0) };
  }

  /** All weights of replica `index` (default 0), in `model.getWeights()` order. */
  async getWeights(index = 0): Promise<WeightValue[]> {
    return (await this.handles[index].request({ type: 'getWeights' }, 'weights')).weights;
  }

  /** Loads weights (model.getWeights() order) into every replica, e.g. to resume. */
  async setWeights(weights: WeightValue[]): Promise<void> {
    await Promise.all(this.handles.map((h) => h.request({ type: 'setWeights', weights }, 'ok')));
  }

  /** Copies the trained weights into a model of the same architecture on this thread. */
  async loadInto(model: tf.LayersModel): Promise<void> {
    const tensors = (await this.getWeights()).map((w) => tf.tensor(w.values, w.shape));
    model.setWeights(tensors);
    tf.dispose(tensors);
  }

  /** The optimizer's state (tf.Optimizer.getWeights, names included) from replica 0, for checkpoints. */
  async getOptimizerWeights(): Promise<WeightValue[]> {
    return (await this.handles[0].request({ type: 'getOptimizerWeights' }, 'weights')).weights;
  }

  async setOptimizerWeights(weights: WeightValue[]): Promise<void> {
    await Promise.all(this.handles.map((h) => h.request({ type: 'setOptimizerWeights', weights }, 'ok')));
  }

  /** Sets `learningRate` on every replica's optimizer (schedules). */
  async setLearningRate(learningRate: number): Promise<void> {
    await Promise.all(this.handles.map((h) => h.request({ type: 'setLearningRate', learningRate }, 'ok')));
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
    await Promise.all(this.handles.map((h) => h.worker.terminate()));
  }
}

// ---- worker thread ------------------------------------------------------------------------------

async function importExport<T>(ref: FactoryRef): Promise<T> {
  const mod = (await import(ref.module)) as Record<string, unknown>;
  const fn = mod[ref.exportName];
  if (typeof fn !== 'function') throw new Error(`${ref.module} has no function export '${ref.exportName}'`);
  return fn as T;
}

async function makeOptimizer(spec: OptimizerSpec, model: tf.LayersModel): Promise<tf.Optimizer> {
  if (isRef(spec)) return (await importExport<(config: unknown, model: tf.LayersModel) => tf.Optimizer>(spec))(spec.config, model);
  switch (spec.name) {
    case 'adam':
      return tf.train.adam(spec.learningRate ?? 1e-3, spec.beta1, spec.beta2, spec.epsilon);
    case 'sgd':
      return tf.train.sgd(spec.learningRate);
    case 'momentum':
      return tf.train.momentum(spec.learningRate, spec.momentum, spec.useNesterov);
  }
}

type PerExampleLoss = (output: tf.Tensor, labels: tf.Tensor) => tf.Tensor;

async function makeLoss(spec: LossSpec): Promise<PerExampleLoss> {
  if (isRef(spec)) return (await importExport<(config: unknown) => PerExampleLoss>(spec))(spec.config);
  if (spec.name === 'categoricalCrossentropy') return (out, labels) => tf.metrics.categoricalCrossentropy(labels, out);
  const smoothing = spec.labelSmoothing ?? 0;
  return (logits, labels) => perSampleCrossEntropy(logits, labels as tf.Tensor1D, smoothing);
}

const weightValues = (ts: tf.Tensor[]): WeightValue[] => ts.map((t) => ({ shape: t.shape, values: Float32Array.from(t.dataSync()) }));

async function runWorker(init: InitData): Promise<void> {
  const port = parentPort;
  if (port === null) return;
  const post = (m: FromWorker) => port.postMessage(m);
  const { selectBackend } = await import('./select-backend.js');
  const { pino } = await import('pino');
  await selectBackend(init.backend, pino({ level: 'silent' }), { wasmKernels: init.wasmKernels });
  const model = (await importExport<(config: unknown) => tf.LayersModel>(init.model))(init.model.config);
  const optimizer = await makeOptimizer(init.optimizer, model);
  const lossFn = await makeLoss(init.loss);
  const trainable = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const nonTrainable = model.nonTrainableWeights.map((w) => w.read() as tf.Variable);
  const numParams = trainable.reduce((a, v) => a + v.size, 0);
  let slot: Float32Array<ArrayBufferLike> = new Float32Array(0);
  let result: Float32Array<ArrayBufferLike> = new Float32Array(0);
  const attach = (shared: SharedArrayBuffer) => {
    slot = new Float32Array(shared, 4 * numParams * init.index, numParams);
    result = new Float32Array(shared, 4 * numParams * init.workers, numParams);
  };
  if (init.index > 0) attach(init.shared);

  const handle = async (m: ToWorker): Promise<FromWorker> => {
    switch (m.type) {
      case 'shared':
        attach(m.shared);
        return { type: 'ok' };
      case 'setWeights': {
        const ts = m.weights.map((w) => tf.tensor(w.values, w.shape));
        model.setWeights(ts);
        tf.dispose(ts);
        return { type: 'ok' };
      }
      case 'step': {
        let loss = 0;
        let correct = 0;
        if (m.xShape[0] === 0) {
          slot.fill(0);
        } else {
          const forward = () => tf.tidy(() => {
            const x = tf.tensor(m.x, m.xShape);
            const y = tf.tensor(m.y, m.yShape, m.y instanceof Int32Array ? 'int32' : 'float32');
            let hits: tf.Scalar | undefined;
            const vg = tf.variableGrads(() => {
              const out = imageLogits(model, x, true);
              const truth = y.dtype === 'int32' ? y : tf.argMax(y, -1);
              hits = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(out, -1), truth), 'float32')));
              const perExample = lossFn(out, y);
              let l = tf.div(tf.sum(m.w === null ? perExample : tf.mul(perExample, tf.tensor1d(m.w))), m.denominator) as tf.Scalar;
              for (const reg of model.losses) l = tf.add(l, tf.mul((reg as () => tf.Scalar)(), m.regScale)) as tf.Scalar;
              return l;
            }, trainable);
            return { ...vg, right: hits as tf.Scalar };
          });
          const { value, grads, right } = m.dropout === null ? forward() : withDropoutStream(m.dropout, forward);
          let offset = 0;
          for (const v of trainable) {
            const g = grads[v.name];
            if (g === undefined) slot.fill(0, offset, offset + v.size); // not on the loss path
            else slot.set(g.dataSync() as Float32Array, offset);
            offset += v.size;
          }
          loss = value.dataSync()[0];
          correct = right.dataSync()[0];
          tf.dispose([value, right, ...Object.values(grads)]);
        }
        return { type: 'grads', loss, correct, nonTrainable: nonTrainable.map((v) => Float32Array.from(v.dataSync())) };
      }
      case 'apply': {
        const named: tf.NamedTensorMap = {};
        let offset = 0;
        for (const v of trainable) {
          named[v.name] = tf.tensor(result.subarray(offset, offset + v.size), v.shape);
          offset += v.size;
        }
        if (m.learningRate !== null) (optimizer as unknown as { learningRate: number }).learningRate = m.learningRate;
        optimizer.applyGradients(named);
        tf.dispose(Object.values(named));
        m.nonTrainable.forEach((vals, k) => {
          const t = tf.tensor(vals, nonTrainable[k].shape);
          nonTrainable[k].assign(t);
          t.dispose();
        });
        return { type: 'ok' };
      }
      case 'getWeights':
        return { type: 'weights', weights: weightValues(model.getWeights()) };
      case 'getOptimizerWeights': {
        const named = await optimizer.getWeights();
        return { type: 'weights', weights: named.map(({ name, tensor }) => ({ name, shape: tensor.shape, values: Float32Array.from(tensor.dataSync()) })) };
      }
      case 'setOptimizerWeights': {
        const named = m.weights.map((w) => ({ name: w.name ?? '', tensor: tf.tensor(w.values, w.shape) }));
        await optimizer.setWeights(named);
        tf.dispose(named.map((w) => w.tensor)); // the optimizers keep copies
        return { type: 'ok' };
      }
      case 'setLearningRate':
        (optimizer as unknown as { learningRate: number }).learningRate = m.learningRate;
        return { type: 'ok' };
    }
  };
  // one message at a time, in order (getOptimizerWeights/setOptimizerWeights are async)
  let queue: Promise<void> = Promise.resolve();
  port.on('message', (m: ToWorker) => {
    queue = queue.then(async () => {
      try {
        post(await handle(m));
      } catch (err) {
        post({ type: 'error', message: (err as Error).stack ?? String(err) });
      }
    });
  });
  post({ type: 'ready', numParams, weights: init.index === 0 ? weightValues(model.getWeights()) : undefined });
}

if (!isMainThread && (workerData as Partial<InitData> | null)?.kind === 'amft-data-parallel') {
  runWorker(workerData as InitData).catch((err: unknown) => {
    parentPort?.postMessage({ type: 'error', message: (err as Error).stack ?? String(err) } satisfies FromWorker);
  });
}
