/**
 * The end of a training epoch: its record (train loss and accuracy, validation metrics), the best
 * checkpoint (by validation accuracy, training accuracy without a validation set) with its
 * validation report, the epoch's own weights (with --keep-epochs), the last checkpoint, and the
 * curves. Returns the validation report (a CPU budget's result records it).
 */
import { readdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ClassificationReport } from '@amft/shared';
import type { Logger } from 'pino';
import type { BatchWorkers } from '../data/batch-workers.js';
import { evaluateModel } from '../evaluate/evaluate-model.js';
import { writeReport } from '../evaluate/write-report.js';
import { withProgress, type ProgressSink } from '../progress.js';
import type { EpochMetrics, TrainState } from './checkpoint.js';
import { writeCurvesPng } from './curves-png.js';
import type { MetricsLog } from './metrics-log.js';
import type { TrainResult, TrainRun } from './train-loop.js';

export async function finishEpoch(
  run: TrainRun,
  state: TrainState,
  epoch: number,
  lr: number,
  metrics: MetricsLog,
  save: (dir: string, withOptimizer: boolean) => Promise<void>,
  dirs: TrainResult['dirs'],
  log: Logger,
  valWorkers: BatchWorkers | undefined,
): Promise<ClassificationReport | undefined> {
  const { running } = state;
  const record: EpochMetrics = {
    epoch: epoch + 1,
    step: state.globalStep,
    lr,
    trainLoss: running.lossSum / Math.max(1, running.seen),
    trainAccuracy: running.correct / Math.max(1, running.seen),
    seconds: running.seconds,
    imagesPerSecond: running.seconds > 0 ? running.seen / running.seconds : 0,
  };
  const evaluate = (onProgress?: ProgressSink) => evaluateModel(run.model, run.val!, run.preprocessing, { batchSize: run.config.evalBatchSize, workers: valWorkers, onProgress });
  const val = run.val ? await (run.progress ? withProgress({ label: `validation, epoch ${epoch + 1}`, unit: 'images', stream: run.progress }, evaluate) : evaluate()) : undefined;
  if (val) Object.assign(record, { valLoss: val.loss, valAccuracy: val.report.accuracy, valMacroF1: val.report.macroF1 });
  state.history.push(record);
  state.epoch = epoch + 1;
  state.batch = 0;
  state.running = { lossSum: 0, correct: 0, seen: 0, seconds: 0 };
  await metrics.append({ type: 'epoch', ...record });
  log.info(record, `epoch ${epoch + 1} done`);

  const metric = val ? 'valAccuracy' : 'trainAccuracy';
  const value = val ? val.report.accuracy : record.trainAccuracy;
  if (state.best === null || value > state.best.value) {
    state.best = { epoch: epoch + 1, metric, value };
    await save(dirs.best, false);
    if (val) await writeReport(join(run.outDir, 'val-report'), val.report, { title: `Validation, best epoch ${epoch + 1}`, extra: { epoch: epoch + 1, loss: val.loss } });
    log.info({ epoch: epoch + 1, [metric]: value }, 'new best checkpoint');
  }
  // before `last`: a run whose last checkpoint has finished epoch n also holds epoch-n (a kill in
  // between redoes the epoch on resume and writes the same weights)
  if (run.config.keepEpochs > 0) await keepEpoch(dirname(dirs.last), epoch + 1, run.config.keepEpochs, save);
  await save(dirs.last, true);
  await writeCurvesPng(state.history, join(run.outDir, 'curves.png'));
  return val?.report;
}


/** The checkpoint directory name of the weights kept at the end of epoch `n` (1-based). */
export const epochCheckpointName = (n: number) => `epoch-${n}`;

/**
 * The kept epochs in a checkpoints directory, in epoch order: `epoch-<n>`, and with `partial` also
 * the `.old` / `.tmp-<pid>` leftovers of an interrupted save (saveCheckpoint).
 */
export function keptEpochs(names: string[], partial = false): Array<{ epoch: number; name: string }> {
  const re = partial ? /^epoch-(\d+)(\.old|\.tmp-\d+)?$/ : /^epoch-(\d+)$/;
  return names
    .map((name) => ({ m: re.exec(name), name }))
    .filter((e): e is { m: RegExpExecArray; name: string } => e.m !== null)
    .map(({ m, name }) => ({ epoch: Number(m[1]), name }))
    .sort((a, b) => a.epoch - b.epoch);
}

/** Saves checkpoints/epoch-<n> (weights only) and deletes the kept epochs older than the last `keep`. */
async function keepEpoch(checkpoints: string, n: number, keep: number, save: (dir: string, withOptimizer: boolean) => Promise<void>): Promise<void> {
  await save(join(checkpoints, epochCheckpointName(n)), false);
  for (const { epoch, name } of keptEpochs(await readdir(checkpoints), true)) {
    if (epoch <= n - keep) await rm(join(checkpoints, name), { recursive: true, force: true });
  }
}
