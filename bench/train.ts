// Training-throughput benchmark: `npx tsx bench/train.ts [options]` (--help lists them, with their
// defaults). Times optimizer steps (forward + backward + Adam) of fixed nets (bench/train-nets.ts)
// on random data and prints img/s and the time one FER2013 training epoch (28,709 images) would
// take. Then, in the same run, the two step paths of `amft train` (train/step-engine.ts: AdamW,
// weighted smoothed loss, seeded dropout) on the --train-paths variant: the main thread
// ('single', with --threads) and data-parallel workers (--workers, default: every core).
import * as tf from '@tensorflow/tfjs';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { pino } from 'pino';
import { z } from 'zod';
import { BACKEND_ORDER } from '../trainer/src/backend/backend-names.js';
import { DataParallelTrainer } from '../trainer/src/backend/data-parallel.js';
import { createOptimizer } from '../trainer/src/train/create-optimizer.js';
import { modelParams } from '../trainer/src/train/param-optimizer.js';
import { dataParallelEngine, singleEngine, type StepEngine } from '../trainer/src/train/step-engine.js';
import { TrainConfig } from '../trainer/src/train/train-config.js';
import { selectBackend } from '../trainer/src/backend/select-backend.js';
import { buildModel, resolveModelConfig } from '../trainer/src/model/index.js';
import { Variant } from '@amft/shared';
import { benchFlags } from './flags.js';
import { DEFAULT_NETS, NETS, type ModelFactory, type NetSpec } from './train-nets.js';


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

const BenchFlags = z.object({
  backend: z.enum(BACKEND_ORDER).optional().meta({ description: 'The TensorFlow.js backend.', defaultText: 'the best available' }),
  steps: z.number().int().positive().default(3).meta({ arg: 'n', description: 'Timed steps per net (after one warm-up step).' }),
  batch: z.number().int().positive().default(64).meta({ arg: 'n', description: 'Images per step.' }),
  kernels: z.enum(['ours', 'stock']).default('ours').meta({ description: "wasm: our gradient kernels or tfjs's stock ones." }),
  nets: z.string().default(DEFAULT_NETS.join(',')).meta({ arg: 'a,b', description: `Nets to time, of: ${Object.keys(NETS).join(', ')}.` }),
  workers: z
    .number()
    .int()
    .nonnegative()
    .optional()
    .meta({ arg: 'n', description: 'Data-parallel workers: the nets are timed on n workers when n > 1; the train paths on n.', defaultText: '1 for the nets, every core for the train paths' }),
  threads: z.number().int().positive().default(1).meta({ arg: 'n', description: 'wasm: XNNPACK threads (the threaded build when > 1).' }),
  trainPaths: z.union([Variant, z.literal('none')]).default('lite').meta({ description: "The variant whose `amft train` step paths are timed (wasm only), or none." }),
});

async function main(): Promise<void> {
  const values = benchFlags(BenchFlags, 'npx tsx bench/train.ts [options]');
  const { steps, batch, kernels, threads } = values;
  const workers = values.workers ?? 1;
  const log = pino({ name: 'bench', level: 'warn' });
  const selected = await selectBackend(values.backend, log, { wasmKernels: kernels, wasmThreads: threads });
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
  if (values.trainPaths !== 'none' && selected.name === 'wasm') {
    const variant = values.trainPaths;
    const dpWorkers = values.workers ?? os.availableParallelism();
    for (const w of [0, dpWorkers]) {
      const r = await benchTrainPath(variant, batch, steps, w);
      rows.push({ ...r, backend: w > 0 ? `wasm (${kernels} kernels, 1 thread per worker)` : backendLabel });
      console.error(`${r.name}: ${r.imgPerSec.toFixed(2)} img/s`);
    }
  }
  printTable(rows);
  console.log(`(ms/step is wall time; with other jobs on the machine, cpu ms/step/workers is the better guide. load average: ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores)`);
}

// (run as a script only; data-parallel workers import bench/train-nets.ts, not this module)
if (isMainThread && process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
