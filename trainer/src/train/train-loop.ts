import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { PreprocessingSpec } from '@amft/shared';
import { pino, type Logger } from 'pino';
import { batchCount, iterateBatches, type BatchPlan } from '../data/batch-iterator.js';
import { BatchWorkers } from '../data/batch-workers.js';
import { balancedOrder, lossWeights, shuffledOrder } from '../data/class-balance.js';
import { Rng } from '../data/rng.js';
import { classCounts, type ImageDataset } from '../data/sample.js';
import { saveCheckpoint, type TrainState } from './checkpoint.js';
import { budgetResult, CpuBudget, writeBudgetResult } from './cpu-budget.js';
import { createOptimizer } from './create-optimizer.js';
import { finishEpoch } from './finish-epoch.js';
import { logitAdjustment } from './loss.js';
import { learningRateAt, learningRateAtProgress } from './lr-schedule.js';
import { MetricsLog } from './metrics-log.js';
import { modelParams } from './param-optimizer.js';
import { Progress } from './progress.js';
import { resumeFrom } from './resume.js';
import { acquireRunLock, type RunLock } from './run-lock.js';
import type { TrainConfig } from './train-config.js';
import { dataParallelEngine, singleEngine, type DataParallelChoice, type StepEngine } from './step-engine.js';
import type { StepResult } from './train-step.js';

export interface TrainRun {
  /** A freshly built model (on resume its weights are replaced by the checkpoint's). */
  model: tf.LayersModel;
  preprocessing: PreprocessingSpec;
  /** Saved in checkpoints so eval/export can rebuild the model: variant, lstm, full config. */
  modelInfo: { variant: string; lstm: boolean; config?: unknown };
  train: ImageDataset;
  /** The training data in words (saved in checkpoints for model metadata). */
  dataset?: string;
  /** Validation set: evaluated after every epoch, picks the best checkpoint. */
  val?: ImageDataset;
  config: TrainConfig;
  /** Run directory: checkpoints/{last,best}, metrics.jsonl, curves.png, val-report/. */
  outDir: string;
  /** Continue from `outDir/checkpoints/last`. */
  resume?: boolean;
  backend?: string;
  log?: Logger;
  progress?: { isTTY: boolean; write: (text: string) => void };
  /** Stops training after the current step, saving a checkpoint there (SIGINT in the CLI). */
  signal?: AbortSignal;
  /** Called after every step (tests use it to stop or crash a run at a chosen step). */
  onStep?: (s: { epoch: number; batch: number; globalStep: number; lr: number } & StepResult) => void;
  /** The run directory's lock, when the caller took it (else trainModel takes and releases it). */
  lock?: RunLock;
  /** Train on worker threads (train/step-engine.ts); on the main thread without. */
  dataParallel?: DataParallelChoice;
}

export interface TrainResult {
  state: TrainState;
  /** True when stopped by the signal before the last epoch ended. */
  stopped: boolean;
  /** With a CPU budget: true when training ended because the budget was spent (`<out>/budget.json`). */
  budgetSpent?: boolean;
  dirs: { last: string; best: string };
}

/**
 * Trains `run.model` on `run.train`: shuffled (or class-balanced) batches with augmentation,
 * the configured optimizer on a warm-up + cosine schedule, validation after every epoch, the
 * best checkpoint by validation accuracy (training accuracy without a validation set), and the
 * last checkpoint after every epoch (and every `saveEverySteps`), from which `resume` continues
 * with the same batches, augmentations and optimizer state it would have had.
 */
export async function trainModel(run: TrainRun): Promise<TrainResult> {
  await mkdir(join(run.outDir, 'checkpoints'), { recursive: true });
  const lock = run.lock ?? (await acquireRunLock(run.outDir));
  try {
    return await trainLocked(run);
  } finally {
    if (run.lock === undefined) await lock.release();
  }
}

async function trainLocked(run: TrainRun): Promise<TrainResult> {
  const { model, config: cfg, preprocessing: spec, train } = run;
  const log = run.log ?? pino({ level: 'silent' });
  const dirs = { last: join(run.outDir, 'checkpoints', 'last'), best: join(run.outDir, 'checkpoints', 'best') };
  const metrics = new MetricsLog(join(run.outDir, 'metrics.jsonl'));

  const trainCounts = classCounts(train.samples);
  const labels = Int32Array.from(train.samples, (s) => s.label);
  const weights = lossWeights(cfg.balance, trainCounts);
  const stepsPerEpoch = batchCount({ dataset: train, batchSize: cfg.batchSize, dropLast: true });
  const totalSteps = stepsPerEpoch * cfg.epochs;
  const schedule = { peak: cfg.lr, min: cfg.minLr, warmupSteps: Math.round(cfg.warmupEpochs * stepsPerEpoch), totalSteps };
  const optimizer = createOptimizer(cfg, modelParams(model));

  let state: TrainState = {
    version: 1,
    epoch: 0,
    batch: 0,
    globalStep: 0,
    running: { lossSum: 0, correct: 0, seen: 0, seconds: 0 },
    history: [],
    best: null,
    rng: { kind: 'sfc32-derived', seed: cfg.seed },
    config: cfg,
    model: { ...run.modelInfo, preprocessing: spec },
    trainCounts,
    dataset: run.dataset,
    backend: run.backend ?? tf.getBackend(),
    savedAt: '',
  };
  if (run.resume) {
    state = await resumeFrom(dirs.last, model, optimizer, state, log);
    await metrics.truncateAfter(state.globalStep);
    await metrics.append({ type: 'resume', step: state.globalStep, from: dirs.last });
    log.info({ epoch: state.epoch, batch: state.batch, step: state.globalStep }, 'resumed from checkpoint');
  } else {
    if (existsSync(dirs.last) || existsSync(`${dirs.last}.old`)) {
      throw new Error(`${run.outDir} already holds a run (checkpoints/last): resume it, or choose another output directory`);
    }
    await metrics.truncateAfter(-1);
  }
  const context = { model, optimizer, config: cfg, inputShape: [spec.height, spec.width, spec.channels] as [number, number, number], logitAdjustment: logitAdjustment(trainCounts, cfg.logitAdjust) };
  const budget = cfg.cpuBudgetMin === undefined ? null : new CpuBudget(cfg.cpuBudgetMin * 60, state.cpuSeconds ?? 0);
  const mix = cfg.mixup > 0 || cfg.cutmix > 0 ? { mixup: cfg.mixup, cutmix: cfg.cutmix, numClasses: trainCounts.length } : undefined;
  let engine: StepEngine;
  try {
    engine = run.dataParallel ? await dataParallelEngine(context, run.dataParallel) : singleEngine(context);
  } catch (err) {
    optimizer.dispose();
    throw err;
  }
  log.info({ path: engine.name }, `training step: ${engine.name}`);
  const save = async (dir: string, withOptimizer: boolean) => {
    await engine.pull();
    state.savedAt = new Date().toISOString();
    if (budget) state.cpuSeconds = budget.spentSeconds();
    await saveCheckpoint(dir, { model, optimizer: withOptimizer ? optimizer : undefined, state });
  };

  const progress = new Progress({ everySteps: cfg.logEverySteps, isTTY: run.progress?.isTTY ?? false, write: run.progress?.write ?? (() => {}) });
  log.info({ train: train.samples.length, val: run.val?.samples.length ?? 0, stepsPerEpoch, totalSteps, counts: trainCounts }, 'training');
  const workers = {
    train: cfg.workers > 0 ? BatchWorkers.start({ dataset: train, spec, classWeights: weights }, cfg.workers) : undefined,
    val: cfg.workers > 0 && run.val ? BatchWorkers.start({ dataset: run.val, spec }, cfg.workers) : undefined,
  };
  try {
    for (let epoch = state.epoch; epoch < cfg.epochs; epoch++) {
      const order = cfg.balance === 'sampler' ? balancedOrder(labels, Rng.derive(cfg.seed, 'order', epoch)) : shuffledOrder(labels.length, Rng.derive(cfg.seed, 'order', epoch));
      const plan: BatchPlan = {
        dataset: train,
        spec,
        order,
        batchSize: cfg.batchSize,
        dropLast: true,
        augment: cfg.augment ? { seed: cfg.seed, epoch, ...(cfg.randomErasing > 0 ? { erasing: cfg.randomErasing } : {}), ...(mix ? { mix } : {}) } : null,
        classWeights: weights,
        workers: workers.train,
      };
      let t = performance.now();
      budget?.start();
      for await (const batch of iterateBatches(plan, state.batch)) {
        if (run.signal?.aborted) {
          state.running.seconds += (performance.now() - t) / 1000;
          await save(dirs.last, true);
          log.info({ epoch, batch: state.batch, step: state.globalStep }, 'stopped; checkpoint saved');
          return { state, stopped: true, dirs };
        }
        if (budget?.done()) break;
        const lr = budget ? learningRateAtProgress(budget.progress(), { peak: cfg.lr, min: cfg.minLr, warmup: cfg.budgetWarmup }) : learningRateAt(state.globalStep, schedule);
        optimizer.learningRate = lr;
        const r = await engine.step(batch, lr, state.globalStep);
        if (!Number.isFinite(r.loss)) throw new Error(`loss is ${r.loss} at step ${state.globalStep + 1} (epoch ${epoch + 1}); lower --lr?`);
        state.globalStep += 1;
        state.batch = batch.index + 1;
        state.running.lossSum += r.loss * batch.size;
        state.running.correct += r.correct;
        state.running.seen += batch.size;
        const running = { loss: state.running.lossSum / state.running.seen, accuracy: state.running.correct / state.running.seen };
        // with a budget, the total is the steps the budget would allow at the pace so far
        const total = budget ? Math.max(state.globalStep, Math.round(state.globalStep / Math.max(budget.progress(), 1e-9))) : totalSteps;
        progress.step({ epoch: epoch + 1, epochs: cfg.epochs, step: state.globalStep, totalSteps: total, lr, ...running }, batch.size, state.batch === stepsPerEpoch);
        if (state.globalStep % cfg.logEverySteps === 0) {
          await metrics.append({ type: 'step', step: state.globalStep, epoch: epoch + 1, loss: r.loss, accuracy: r.correct / batch.size, lr });
        }
        run.onStep?.({ epoch, batch: batch.index, globalStep: state.globalStep, lr, ...r });
        if (cfg.saveEverySteps > 0 && state.globalStep % cfg.saveEverySteps === 0 && state.batch < stepsPerEpoch) {
          state.running.seconds += (performance.now() - t) / 1000;
          await save(dirs.last, true);
          t = performance.now();
        }
      }
      state.running.seconds += (performance.now() - t) / 1000;
      budget?.pause();
      const spent = budget?.done() ?? false;
      // a resumed run whose budget was spent has nothing left to train or to evaluate
      if (spent && state.running.seen === 0) return { state, stopped: false, budgetSpent: true, dirs };
      await engine.pull();
      const val = await finishEpoch(run, state, epoch, optimizer.learningRate, metrics, save, dirs, log, workers.val);
      if (budget && (spent || epoch + 1 === cfg.epochs)) {
        const result = budgetResult(budget, { steps: state.globalStep, imagesSeen: state.globalStep * cfg.batchSize, epochs: state.globalStep / stepsPerEpoch, lastLr: optimizer.learningRate, val });
        await writeBudgetResult(join(run.outDir, 'budget.json'), result);
        log.info(result, spent ? 'CPU budget spent' : 'last epoch done before the CPU budget was spent');
        if (spent) return { state, stopped: false, budgetSpent: true, dirs };
      }
    }
  } finally {
    await engine.close();
    optimizer.dispose();
    await Promise.all([workers.train?.close(), workers.val?.close()]);
  }
  return { state, stopped: false, dirs };
}
