// Worker side of the data-parallel trainer (data-parallel.ts): started with the one worker-thread
// module (@amft/shared/threads) and given an InitData, it selects its backend, builds its model
// replica, optimizer and loss from their factory references, then answers the main thread's
// messages: gradients of its shard into its slot of the shared buffer, the summed update applied
// from the shared result slot, weights and optimizer state in and out.
import * as tf from '@tensorflow/tfjs';
import { serveThread, type ServedThread } from '@amft/shared/threads';
import { pino } from 'pino';
import { workerData } from 'node:worker_threads';
import { withDropoutStream } from '../model/seeded-random.js';
import { imageLogits } from '../train/forward.js';
import { perSampleCrossEntropy } from '../train/loss.js';
import { isRef, type FactoryRef, type FromWorker, type InitData, type LossSpec, type OptimizerSpec, type ReadyInfo, type ToWorker, type WeightValue } from './data-parallel-protocol.js';
import { selectBackend } from './select-backend.js';
import { quietTensorflow } from '../tfjs-quiet.js';

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
  const adjustment = spec.logitAdjustment ?? null;
  return (logits, labels) => perSampleCrossEntropy(logits, labels, smoothing, adjustment);
}

const weightValues = (ts: tf.Tensor[]): WeightValue[] => ts.map((t) => ({ shape: t.shape, values: Float32Array.from(t.dataSync()) }));

async function open(init: InitData): Promise<ServedThread<ReadyInfo, ToWorker, FromWorker>> {
  quietTensorflow(); // a worker has its own TensorFlow.js: no banner from it either
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
  let queue: Promise<unknown> = Promise.resolve();
  const inOrder = (m: ToWorker): Promise<FromWorker> => {
    const reply = queue.then(() => handle(m));
    queue = reply.catch(() => undefined);
    return reply;
  };
  return {
    info: { numParams, weights: init.index === 0 ? weightValues(model.getWeights()) : undefined },
    handle: inOrder,
    close: async () => {
      optimizer.dispose();
      model.dispose();
    },
  };
}

await serveThread(() => open(workerData as InitData));
