// Data-parallel training over node:worker_threads. tfjs runs every kernel on the calling thread
// (wasm threads are off under Node), so one process trains on one core; here W workers each own a
// wasm backend and an identical replica of a tf.layers model, built from a serializable factory
// reference (module + export name + JSON config). Per step:
//   1. the batch is split into W row shards, one per worker;
//   2. each worker computes its shard's loss and gradients, scaled by shardSize / batchSize, and
//      writes them into its slot of a SharedArrayBuffer;
//   3. the main thread sums the slots (= the full-batch mean gradient) into a shared result slot
//      and averages the replicas' batch-norm moving statistics;
//   4. every worker applies the same summed gradient with its own, identically initialised
//      optimizer, so the replicas stay bit-identical (same backend, same float operations).
// Batch norm therefore normalises with per-shard statistics ("ghost batch norm", as in PyTorch DDP
// without SyncBatchNorm); averaging the moving means across shards gives exactly the full-batch
// moving mean, the moving variances miss only the between-shard term.
import * as tf from '@tensorflow/tfjs';
import { pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

/** Where a worker finds the model: `(await import(module))[exportName](config)` must return an uncompiled tf.LayersModel. */
export interface ModelFactorySpec {
  /** absolute path or file: URL of an ES module (a .ts module needs the tsx loader, inherited from the parent's execArgv) */
  module: string;
  exportName: string;
  /** JSON-serialisable argument passed to the factory */
  config?: unknown;
}

export type OptimizerSpec =
  | { name: 'adam'; learningRate?: number; beta1?: number; beta2?: number; epsilon?: number }
  | { name: 'sgd'; learningRate: number }
  | { name: 'momentum'; learningRate: number; momentum: number; useNesterov?: boolean }
  | { name: 'rmsprop'; learningRate: number; decay?: number; momentum?: number; epsilon?: number };

/** 'categoricalCrossentropy': softmax probabilities vs one-hot labels (what tf.layers calls it);
 *  'softmaxCrossEntropy': logits vs one-hot labels. */
export type LossName = 'categoricalCrossentropy' | 'softmaxCrossEntropy';

export interface DataParallelOptions {
  factory: ModelFactorySpec;
  /** default 2 */
  workers?: number;
  /** default Adam(1e-3) */
  optimizer?: OptimizerSpec;
  /** default 'categoricalCrossentropy' */
  loss?: LossName;
  /** backend inside the workers, default 'wasm' (with our gradient kernels) */
  backend?: 'wasm' | 'cpu';
  /** 'stock' for benchmarking the tfjs-shipped wasm kernels */
  wasmKernels?: 'ours' | 'stock';
}

export interface WeightValue {
  shape: number[];
  values: Float32Array;
}

// ---- messages ---------------------------------------------------------------------------------

interface InitData {
  kind: 'amft-data-parallel';
  index: number;
  factory: ModelFactorySpec;
  optimizer: OptimizerSpec;
  loss: LossName;
  backend: 'wasm' | 'cpu';
  wasmKernels: 'ours' | 'stock';
  shared: SharedArrayBuffer;
  workers: number;
}

type ToWorker =
  | { type: 'setWeights'; weights: WeightValue[] }
  | { type: 'step'; x: Float32Array; xShape: number[]; y: Float32Array; yShape: number[]; scale: number }
  | { type: 'apply'; nonTrainable: Float32Array[] }
  | { type: 'getWeights' }
  | { type: 'setLearningRate'; learningRate: number };

type FromWorker =
  | { type: 'ready'; numParams: number; weights?: WeightValue[] }
  | { type: 'grads'; loss: number; nonTrainable: Float32Array[] }
  | { type: 'weights'; weights: WeightValue[] }
  | { type: 'ok' }
  | { type: 'error'; message: string };

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
  private waiting: Array<{ resolve: (m: FromWorker) => void; reject: (e: Error) => void }> = [];
  private failure: Error | undefined;

  constructor(readonly worker: Worker) {
    worker.on('message', (m: FromWorker) => {
      const w = this.waiting.shift();
      if (w === undefined) return;
      if (m.type === 'error') w.reject(new Error(`data-parallel worker: ${m.message}`));
      else w.resolve(m);
    });
    const fail = (e: Error) => {
      this.failure = e;
      for (const w of this.waiting.splice(0)) w.reject(e);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`data-parallel worker exited (code ${code})`)));
  }

  /** Next message from the worker (replies come in request order). */
  next(): Promise<FromWorker> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  send(m: ToWorker): void {
    this.worker.postMessage(m);
  }

  async request<T extends FromWorker['type']>(m: ToWorker | null, type: T): Promise<Extract<FromWorker, { type: T }>> {
    const reply = this.next();
    if (m !== null) this.send(m);
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
    const base: Omit<InitData, 'index' | 'shared'> = {
      kind: 'amft-data-parallel',
      factory: { ...opts.factory, module: opts.factory.module.startsWith('file:') ? opts.factory.module : pathToFileURL(opts.factory.module).href },
      optimizer: opts.optimizer ?? { name: 'adam', learningRate: 1e-3 },
      loss: opts.loss ?? 'categoricalCrossentropy',
      backend: opts.backend ?? 'wasm',
      wasmKernels: opts.wasmKernels ?? 'ours',
      workers,
    };
    // worker 0 first: it tells us the parameter count, which sizes the shared gradient buffer
    const probeShared = new SharedArrayBuffer(4);
    const start = (index: number, shared: SharedArrayBuffer) => new WorkerHandle(startWorker({ ...base, index, shared }));
    const first = start(0, probeShared);
    const ready0 = await first.request(null, 'ready');
    const n = ready0.numParams;
    const shared = new SharedArrayBuffer(4 * n * (workers + 1));
    await first.request(null, 'ok'); // worker 0 waits for the real buffer (sent below)
    first.worker.postMessage({ type: 'shared', shared });
    const others = Array.from({ length: workers - 1 }, (_, i) => start(i + 1, shared));
    const handles = [first, ...others];
    await Promise.all(others.map((h) => h.request(null, 'ready')));
    const weights = ready0.weights ?? [];
    await Promise.all(others.map((h) => h.request({ type: 'setWeights', weights }, 'ok')));
    const slots = handles.map((_, i) => new Float32Array(shared, 4 * n * i, n));
    return new DataParallelTrainer(handles, slots, new Float32Array(shared, 4 * n * workers, n), n);
  }

  /**
   * One optimizer step on a batch given as row-major float32 data (`x` [batch, ...], `y` [batch, ...]).
   * Returns the batch's mean loss (before the update). Rows are split evenly over the workers.
   */
  async step(x: Float32Array, xShape: number[], y: Float32Array, yShape: number[]): Promise<number> {
    const batch = xShape[0];
    if (yShape[0] !== batch) throw new Error(`x has ${batch} rows, y has ${yShape[0]}`);
    const w = Math.min(this.handles.length, batch);
    const xRow = x.length / batch;
    const yRow = y.length / batch;
    const replies: Array<Promise<Extract<FromWorker, { type: 'grads' }>>> = [];
    for (let i = 0; i < this.handles.length; i++) {
      // an idle worker (batch smaller than the worker count) still takes part with an empty shard
      const r0 = Math.floor((i * batch) / w);
      const r1 = i < w ? Math.floor(((i + 1) * batch) / w) : r0;
      replies.push(this.handles[i].request({
        type: 'step',
        x: x.slice(r0 * xRow, r1 * xRow), xShape: [r1 - r0, ...xShape.slice(1)],
        y: y.slice(r0 * yRow, r1 * yRow), yShape: [r1 - r0, ...yShape.slice(1)],
        scale: (r1 - r0) / batch,
      }, 'grads'));
    }
    const got = await Promise.all(replies);
    // sum of the scaled shard gradients = gradient of the full-batch mean loss
    this.result.set(this.slots[0]);
    for (let i = 1; i < this.slots.length; i++) {
      const s = this.slots[i];
      for (let j = 0; j < s.length; j++) this.result[j] += s[j];
    }
    const active = got.filter((_, i) => i < w);
    const nonTrainable = active[0].nonTrainable.map((v, k) => {
      const avg = new Float32Array(v.length);
      for (const g of active) for (let j = 0; j < v.length; j++) avg[j] += g.nonTrainable[k][j] / active.length;
      return avg;
    });
    for (const h of this.handles) h.send({ type: 'apply', nonTrainable });
    for (const h of this.handles) await h.request(null, 'ok');
    return got.reduce((acc, g, i) => acc + (i < w ? g.loss : 0), 0);
  }

  /** `step` for tensors (read on the calling thread's backend). */
  async stepTensors(x: tf.Tensor, y: tf.Tensor): Promise<number> {
    const f32 = async (t: tf.Tensor) => Float32Array.from(await t.data());
    const [xv, yv] = await Promise.all([f32(x), f32(y)]);
    return this.step(xv, x.shape, yv, y.shape);
  }

  /** All weights of replica `index` (default 0), in `model.getWeights()` order. */
  async getWeights(index = 0): Promise<WeightValue[]> {
    return (await this.handles[index].request({ type: 'getWeights' }, 'weights')).weights;
  }

  /** Copies the trained weights into a model of the same architecture on this thread. */
  async loadInto(model: tf.LayersModel): Promise<void> {
    const weights = await this.getWeights();
    const tensors = weights.map((w) => tf.tensor(w.values, w.shape));
    model.setWeights(tensors);
    tf.dispose(tensors);
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

  async setLearningRate(learningRate: number): Promise<void> {
    await Promise.all(this.handles.map((h) => h.request({ type: 'setLearningRate', learningRate }, 'ok')));
  }

  async terminate(): Promise<void> {
    await Promise.all(this.handles.map((h) => h.worker.terminate()));
  }
}

// ---- worker thread ------------------------------------------------------------------------------

function makeOptimizer(spec: OptimizerSpec): tf.Optimizer {
  switch (spec.name) {
    case 'adam':
      return tf.train.adam(spec.learningRate ?? 1e-3, spec.beta1, spec.beta2, spec.epsilon);
    case 'sgd':
      return tf.train.sgd(spec.learningRate);
    case 'momentum':
      return tf.train.momentum(spec.learningRate, spec.momentum, spec.useNesterov);
    case 'rmsprop':
      return tf.train.rmsprop(spec.learningRate, spec.decay, spec.momentum, spec.epsilon);
  }
}

function lossOf(name: LossName, labels: tf.Tensor, out: tf.Tensor): tf.Scalar {
  if (name === 'softmaxCrossEntropy') return tf.losses.softmaxCrossEntropy(labels, out) as tf.Scalar;
  // tf.layers' categorical cross-entropy on probabilities: mean over rows of -sum(y log p)
  return tf.mean(tf.metrics.categoricalCrossentropy(labels, out)) as tf.Scalar;
}

const weightValues = (ts: tf.Tensor[]): WeightValue[] => ts.map((t) => ({ shape: t.shape, values: t.dataSync() as Float32Array }));

async function runWorker(init: InitData): Promise<void> {
  const port = parentPort;
  if (port === null) return;
  const post = (m: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
  const { selectBackend } = await import('./select-backend.js');
  const { pino } = await import('pino');
  await selectBackend(init.backend, pino({ level: 'silent' }), { wasmKernels: init.wasmKernels });
  const factoryModule = (await import(init.factory.module)) as Record<string, unknown>;
  const build = factoryModule[init.factory.exportName];
  if (typeof build !== 'function') throw new Error(`${init.factory.module} has no function export '${init.factory.exportName}'`);
  const model = (build as (config: unknown) => tf.LayersModel)(init.factory.config);
  const optimizer = makeOptimizer(init.optimizer);
  const trainable = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const nonTrainable = model.nonTrainableWeights.map((w) => w.read() as tf.Variable);
  const numParams = trainable.reduce((a, v) => a + v.size, 0);

  let shared = init.shared;
  if (init.index === 0) {
    post({ type: 'ready', numParams, weights: weightValues(model.getWeights()) });
    // the main thread sizes the shared buffer from numParams and sends it back
    shared = await new Promise<SharedArrayBuffer>((resolve) => {
      port.once('message', (m: { type: 'shared'; shared: SharedArrayBuffer }) => resolve(m.shared));
      post({ type: 'ok' });
    });
  } else {
    post({ type: 'ready', numParams });
  }
  const slot = new Float32Array(shared, 4 * numParams * init.index, numParams);
  const result = new Float32Array(shared, 4 * numParams * init.workers, numParams);

  port.on('message', (m: ToWorker) => {
    try {
      switch (m.type) {
        case 'setWeights': {
          const ts = m.weights.map((w) => tf.tensor(w.values, w.shape));
          model.setWeights(ts);
          tf.dispose(ts);
          post({ type: 'ok' });
          break;
        }
        case 'step': {
          let loss = 0;
          if (m.xShape[0] === 0) {
            slot.fill(0);
          } else {
            const { value, grads } = tf.tidy(() => {
              const x = tf.tensor(m.x, m.xShape);
              const y = tf.tensor(m.y, m.yShape);
              return tf.variableGrads(() => {
                let l = lossOf(init.loss, y, model.apply(x, { training: true }) as tf.Tensor);
                for (const reg of model.losses) l = tf.add(l, (reg as () => tf.Scalar)()) as tf.Scalar;
                return tf.mul(l, m.scale) as tf.Scalar;
              }, trainable);
            });
            let offset = 0;
            for (const v of trainable) {
              const g = grads[v.name];
              slot.set(g.dataSync() as Float32Array, offset);
              offset += v.size;
            }
            loss = value.dataSync()[0];
            tf.dispose([value, ...Object.values(grads)]);
          }
          const stats = nonTrainable.map((v) => v.dataSync() as Float32Array);
          post({ type: 'grads', loss, nonTrainable: stats });
          break;
        }
        case 'apply': {
          const named: tf.NamedTensorMap = {};
          let offset = 0;
          for (const v of trainable) {
            named[v.name] = tf.tensor(result.subarray(offset, offset + v.size), v.shape);
            offset += v.size;
          }
          optimizer.applyGradients(named);
          tf.dispose(Object.values(named));
          m.nonTrainable.forEach((vals, k) => {
            const t = tf.tensor(vals, nonTrainable[k].shape);
            nonTrainable[k].assign(t);
            t.dispose();
          });
          post({ type: 'ok' });
          break;
        }
        case 'getWeights':
          post({ type: 'weights', weights: weightValues(model.getWeights()) });
          break;
        case 'setLearningRate':
          (optimizer as unknown as { learningRate: number }).learningRate = m.learningRate;
          post({ type: 'ok' });
          break;
      }
    } catch (err) {
      post({ type: 'error', message: (err as Error).stack ?? String(err) });
    }
  });
}

if (!isMainThread && (workerData as Partial<InitData> | null)?.kind === 'amft-data-parallel') {
  runWorker(workerData as InitData).catch((err: unknown) => {
    parentPort?.postMessage({ type: 'error', message: (err as Error).stack ?? String(err) } satisfies FromWorker);
  });
}
