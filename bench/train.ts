// Training-throughput benchmark.
//   npx tsx bench/train.ts [--backend wasm|cpu|tensorflow|tensorflow-gpu] [--steps N] [--batch N]
//                          [--kernels ours|stock] [--nets resnet-ref,...] [--workers N] [--threads N]
//                          [--train-paths lite|none]
// Times optimizer steps (forward + backward + Adam) of fixed nets on random data and prints img/s
// and the time one FER2013 training epoch (28,709 images) would take. Nets: resnet-ref (the
// issue's reference), lite (default), amft and seed (--nets amft,seed; 224x224, slow on a CPU).
// Add nets to NETS (or call benchModel): an uncompiled tf.LayersModel ending in a softmax.
// Then, in the same run, the two step paths of `amft train` (train/step-engine.ts: AdamW, weighted
// smoothed loss, seeded dropout) on the --train-paths variant: the main thread ('single', with
// --threads) and data-parallel workers (--workers, default: every core).
import * as tf from '@tensorflow/tfjs';
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { isMainThread } from 'node:worker_threads';
import { pino } from 'pino';
import { DataParallelTrainer, type ModelFactorySpec } from '../trainer/src/backend/data-parallel.js';
import { createOptimizer } from '../trainer/src/train/create-optimizer.js';
import { modelParams } from '../trainer/src/train/param-optimizer.js';
import { dataParallelEngine, singleEngine, type StepEngine } from '../trainer/src/train/step-engine.js';
import { TrainConfig } from '../trainer/src/train/train-config.js';
import { selectBackend, type BackendName } from '../trainer/src/backend/select-backend.js';
import { buildModel, resolveModelConfig } from '../trainer/src/model/index.js';
import type { Variant } from '@amft/shared';

export const FER2013_TRAIN_IMAGES = 28_709;

export interface BenchResult {
  name: string;
  backend: string;
  batch: number;
  steps: number;
  workers: number;
  msPerStep: number;
  /** CPU time (all threads of this process) per step: robust when other jobs share the cores */
  cpuMsPerStep: number;
  imgPerSec: number;
  /** minutes for one pass over FER2013 train at this rate */
  epochMinutes: number;
}

export type ModelFactory = () => tf.LayersModel;

export interface NetSpec {
  build: ModelFactory;
  /** the same model for data-parallel workers: an exported factory they can import */
  factory: ModelFactorySpec;
  inputShape: [number, number, number];
  classes: number;
}

// ---- the reference net: ResNet-18-like for 48x48x1 ------------------------------------------

function convBn(x: tf.SymbolicTensor, filters: number, kernelSize: number, strides: number, relu: boolean): tf.SymbolicTensor {
  let y = tf.layers.conv2d({ filters, kernelSize, strides, padding: 'same', useBias: false, kernelInitializer: 'heNormal' }).apply(x) as tf.SymbolicTensor;
  y = tf.layers.batchNormalization({ axis: -1 }).apply(y) as tf.SymbolicTensor;
  return relu ? (tf.layers.reLU().apply(y) as tf.SymbolicTensor) : y;
}

/** Basic residual block: two 3x3 conv+BN, 1x1 conv+BN projection when the shape changes. */
function basicBlock(x: tf.SymbolicTensor, filters: number, strides: number): tf.SymbolicTensor {
  const inChannels = x.shape[x.shape.length - 1];
  let y = convBn(x, filters, 3, strides, true);
  y = convBn(y, filters, 3, 1, false);
  const shortcut = strides !== 1 || inChannels !== filters ? convBn(x, filters, 1, strides, false) : x;
  const sum = tf.layers.add().apply([y, shortcut]) as tf.SymbolicTensor;
  return tf.layers.reLU().apply(sum) as tf.SymbolicTensor;
}

/** (channels, stride) of the residual blocks. */
export const REFERENCE_BLOCKS: ReadonlyArray<readonly [number, number]> = [[32, 1], [64, 2], [64, 1], [128, 2], [128, 1], [256, 2], [256, 1]];

export function buildReferenceResNet(classes = 7): tf.LayersModel {
  const input = tf.input({ shape: [48, 48, 1] });
  let x = convBn(input, 32, 3, 1, true);
  for (const [filters, stride] of REFERENCE_BLOCKS) x = basicBlock(x, filters, stride);
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: classes, activation: 'softmax' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'resnet_ref' });
}

/** An AMFT variant (trainer/src/model) with a softmax on its logits, for this benchmark's loss. */
export function buildAmftVariant(variant: Variant): tf.LayersModel {
  const model = buildModel(resolveModelConfig(variant));
  const probs = tf.layers.activation({ activation: 'softmax' }).apply(model.outputs[0]) as tf.SymbolicTensor;
  return tf.model({ inputs: model.inputs, outputs: probs, name: `${model.name}_softmax` });
}

function amftNet(variant: Variant): NetSpec {
  const { height, width, channels } = resolveModelConfig(variant).preprocessing;
  return {
    build: () => buildAmftVariant(variant),
    factory: { module: fileURLToPath(import.meta.url), exportName: 'buildAmftVariant', config: variant },
    inputShape: [height, width, channels],
    classes: 7,
  };
}

export const NETS: Record<string, NetSpec> = {
  'resnet-ref': {
    build: () => buildReferenceResNet(7),
    factory: { module: fileURLToPath(import.meta.url), exportName: 'buildReferenceResNet', config: 7 },
    inputShape: [48, 48, 1],
    classes: 7,
  },
  lite: amftNet('lite'),
  // 224x224 RGB ResNet-50 trunks: minutes per batch-64 step on a CPU; run with --nets amft --batch 4
  amft: amftNet('amft'),
  seed: amftNet('seed'),
};

/** What runs without --nets: the reference net and the variant meant for CPUs. */
const DEFAULT_NETS = ['resnet-ref', 'lite'];

// ---- timing ------------------------------------------------------------------------------------

function randomBatch(inputShape: readonly number[], batch: number, classes: number): { x: tf.Tensor; y: tf.Tensor } {
  return tf.tidy(() => {
    const x = tf.randomNormal([batch, ...inputShape]);
    const labels = tf.randomUniform([batch], 0, classes, 'int32');
    return { x, y: tf.oneHot(labels, classes).toFloat() };
  });
}

/**
 * Compiles `buildFn()` with Adam + categorical cross-entropy, runs 1 warm-up step, then times
 * `steps` steps of `batch` random images (in the current backend).
 */
export async function benchModel(name: string, buildFn: ModelFactory, inputShape: readonly number[], batch: number, steps: number): Promise<BenchResult> {
  const model = buildFn();
  const classes = model.outputs[0].shape[model.outputs[0].shape.length - 1] ?? 7;
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  const { x, y } = randomBatch(inputShape, batch, classes);
  try {
    await model.trainOnBatch(x, y); // warm-up: kernel setup, XNNPACK operator creation
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) await model.trainOnBatch(x, y);
    return result(name, tf.getBackend(), batch, steps, 1, (performance.now() - t0) / steps, cpuMs(c0) / steps);
  } finally {
    tf.dispose([x, y]);
    model.dispose();
  }
}

/**
 * Like benchModel, with the batch split over `workers` worker threads (trainer/src/backend/
 * data-parallel.ts), each with its own wasm backend and model replica.
 */
export async function benchDataParallel(name: string, spec: NetSpec, batch: number, steps: number, workers: number, kernels: 'ours' | 'stock'): Promise<BenchResult> {
  const trainer = await DataParallelTrainer.create({ model: spec.factory, workers, wasmKernels: kernels, optimizer: { name: 'adam', learningRate: 1e-3 } });
  try {
    const x = new Float32Array(batch * spec.inputShape.reduce((a, d) => a * d, 1)).map(() => Math.random() * 2 - 1);
    const y = new Float32Array(batch * spec.classes);
    for (let i = 0; i < batch; i++) y[i * spec.classes + (i % spec.classes)] = 1;
    const step = () => trainer.step({ x, xShape: [batch, ...spec.inputShape], y, yShape: [batch, spec.classes] });
    await step(); // warm-up
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) await step();
    return result(name, 'wasm', batch, steps, workers, (performance.now() - t0) / steps, cpuMs(c0) / steps);
  } finally {
    await trainer.terminate();
  }
}

/**
 * `amft train`'s step on `variant` (default config: AdamW, label smoothing, class weights,
 * dropout): on the main thread (workers 0) or on `workers` data-parallel workers.
 */
export async function benchTrainPath(variant: Variant, batch: number, steps: number, workers: number): Promise<BenchResult> {
  const modelConfig = resolveModelConfig(variant);
  const { height, width, channels } = modelConfig.preprocessing;
  const model = buildModel(modelConfig);
  const config = TrainConfig.parse({ variant, batchSize: batch });
  const optimizer = createOptimizer(config, modelParams(model));
  const context = { model, optimizer, config, inputShape: [height, width, channels] as [number, number, number] };
  let engine: StepEngine | undefined;
  try {
    engine = workers > 0 ? await dataParallelEngine(context, { workers, modelConfig }) : singleEngine(context);
    const b = {
      x: Float32Array.from({ length: batch * height * width * channels }, () => Math.random() * 2 - 1),
      size: batch,
      labels: Int32Array.from({ length: batch }, (_, i) => i % 7),
      weights: Float32Array.from({ length: batch }, (_, i) => 0.5 + (i % 7) / 7),
    };
    await engine.step(b, 1e-3, 0); // warm-up
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) await engine.step(b, 1e-3, i + 1);
    const name = `${variant}: amft train, ${workers > 0 ? `data-parallel ${workers}` : 'single'}`;
    return result(name, 'wasm', batch, steps, Math.max(workers, 1), (performance.now() - t0) / steps, cpuMs(c0) / steps);
  } finally {
    await engine?.close();
    optimizer.dispose();
    model.dispose();
  }
}

const cpuMs = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};

export function result(name: string, backend: string, batch: number, steps: number, workers: number, msPerStep: number, cpuMsPerStep: number): BenchResult {
  const imgPerSec = (batch * 1000) / msPerStep;
  return { name, backend, batch, steps, workers, msPerStep, cpuMsPerStep, imgPerSec, epochMinutes: FER2013_TRAIN_IMAGES / imgPerSec / 60 };
}

export function printTable(rows: readonly BenchResult[]): void {
  const header = ['net', 'backend', 'workers', 'batch', 'steps', 'ms/step', 'cpu ms/step', 'img/s', 'FER2013 epoch'];
  const body = rows.map((r) => [r.name, r.backend, String(r.workers), String(r.batch), String(r.steps), r.msPerStep.toFixed(0), r.cpuMsPerStep.toFixed(0), r.imgPerSec.toFixed(2), `${r.epochMinutes.toFixed(1)} min`]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join(' | ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const row of body) console.log(line(row));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      backend: { type: 'string' },
      steps: { type: 'string', default: '3' },
      batch: { type: 'string', default: '64' },
      kernels: { type: 'string', default: 'ours' },
      nets: { type: 'string', default: DEFAULT_NETS.join(',') },
      workers: { type: 'string' },
      threads: { type: 'string', default: '1' },
      'train-paths': { type: 'string', default: 'lite' },
    },
  });
  const steps = Number(values.steps);
  const batch = Number(values.batch);
  const workers = values.workers === undefined ? 1 : Number(values.workers);
  const kernels = values.kernels === 'stock' ? 'stock' : 'ours';
  const log = pino({ name: 'bench', level: 'warn' });
  const threads = Number(values.threads);
  const selected = await selectBackend(values.backend as BackendName | undefined, log, { wasmKernels: kernels, wasmThreads: threads });
  const backendLabel = selected.name === 'wasm' ? `wasm (${kernels} kernels${threads > 1 ? `, ${selected.wasm?.threads} threads` : ''})` : selected.name;
  const rows: BenchResult[] = [];
  for (const name of values.nets.split(',')) {
    const spec = NETS[name];
    if (spec === undefined) throw new Error(`unknown net '${name}'; known: ${Object.keys(NETS).join(', ')}`);
    let r: BenchResult;
    if (workers > 1) {
      r = await benchDataParallel(name, spec, batch, steps, workers, kernels);
    } else {
      r = await benchModel(name, spec.build, spec.inputShape, batch, steps);
    }
    rows.push({ ...r, backend: backendLabel });
    console.error(`${name}: ${r.imgPerSec.toFixed(2)} img/s`);
  }
  if (values['train-paths'] !== 'none' && selected.name === 'wasm') {
    const variant = values['train-paths'] as Variant;
    const dpWorkers = values.workers === undefined ? os.availableParallelism() : workers;
    for (const w of [0, dpWorkers]) {
      const r = await benchTrainPath(variant, batch, steps, w);
      rows.push({ ...r, backend: w > 0 ? `wasm (${kernels} kernels, 1 thread per worker)` : backendLabel });
      console.error(`${r.name}: ${r.imgPerSec.toFixed(2)} img/s`);
    }
  }
  printTable(rows);
  console.log(`(ms/step is wall time; with other jobs on the machine, cpu ms/step/workers is the better guide. load average: ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores)`);
}

// (workers import this module for its model factories: never run main() there)
if (isMainThread && process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
