/**
 * What `amft export` decides from the validation set before it writes the graph: whether the
 * graph mirrors each image and averages the two logits (`--tta auto`: when that gains at least
 * TTA_AUTO_GAIN accuracy), and the temperature of its probabilities (`--calibrate`). The graphs
 * of every TTA mode are exported and run in onnxruntime on the set, which gives their accuracy,
 * macro-F1 and images/s for the model card. `auto` never picks crops: ten views cost five times
 * flip's, a trade the user makes with `--tta crops`.
 */
import type * as tf from '@tensorflow/tfjs';
import { classificationReport, type Calibration, type TtaMode } from '@amft/shared';
import type { ModelConfig } from '../model/config.js';
import { calibrate, keepsTemperature } from './calibrate.js';
import { exportToOnnx } from './export-onnx.js';
import { ExportError } from './graph-builder.js';
import { runOnValSet, type ValRun, type ValSet } from './onnx-val.js';

/** `--tta auto` turns flip on when it gains at least this much validation accuracy (0.5 points). */
export const TTA_AUTO_GAIN = 0.005;

export type TtaChoice = TtaMode | 'auto';

export interface TuneInput {
  tta: TtaChoice;
  calibrate: boolean;
  /** The labelled set (needed by `auto` and `calibrate`), and its name for the metadata. */
  val?: { set: ValSet; split: string };
  /** onnxruntime intra-op threads for the measurement (0: its choice). */
  threads?: number;
}

/** Accuracy, macro-F1 and speed of one graph on the validation set. */
export interface GraphMeasure {
  accuracy: number;
  macroF1: number;
  imagesPerSecond: number;
}

export interface TuneResult {
  tta: TtaMode;
  /** The temperature the graph applies: the fit, when keepsTemperature accepts it. */
  calibration?: Calibration;
  /** With --calibrate: the fitted temperature and its ECE/NLL, applied or not. */
  calibrationFit?: Calibration;
  /** Set when a validation set was given: the graph of every TTA mode, measured in onnxruntime. */
  measured?: { split: string; count: number } & Record<TtaMode, GraphMeasure>;
}

/** The graph --tta asks for; `auto`: flip when its accuracy is at least TTA_AUTO_GAIN above the plain graph's. */
export function chooseTta(choice: TtaChoice, noneAccuracy: number, flipAccuracy: number): TtaMode {
  if (choice !== 'auto') return choice;
  // compared at 1e-9 so that a gain of exactly 0.5 points is not lost to floating-point error
  return Math.round((flipAccuracy - noneAccuracy) * 1e9) >= Math.round(TTA_AUTO_GAIN * 1e9) ? 'flip' : 'none';
}

const measure = (r: ValRun, labels: Int32Array): GraphMeasure => ({
  accuracy: r.accuracy,
  macroF1: classificationReport(labels, r.predictions).macroF1,
  imagesPerSecond: r.imagesPerSecond,
});

export async function tuneExport(model: tf.LayersModel, cfg: ModelConfig, input: TuneInput): Promise<TuneResult> {
  if (!input.val) {
    if (input.tta === 'auto') throw new ExportError('--tta auto needs --val-data (it keeps flip when it gains >= 0.5 points there)');
    if (input.calibrate) throw new ExportError('--calibrate needs --val-data (the temperature is fitted on it)');
    return { tta: input.tta };
  }
  const { set, split } = input.val;
  if (set.labels.length === 0) throw new ExportError(`the validation set ${split} has no samples`);
  const fixed = { metadata: { createdAt: new Date(0) } };
  const run = (tta: TtaMode) => runOnValSet(exportToOnnx(model, cfg, { ...fixed, tta }).bytes, set, { threads: input.threads });
  const runs = { none: await run('none'), flip: await run('flip'), crops: await run('crops') };
  const tta = chooseTta(input.tta, runs.none.accuracy, runs.flip.accuracy);
  const result: TuneResult = {
    tta,
    measured: { split, count: set.labels.length, none: measure(runs.none, set.labels), flip: measure(runs.flip, set.labels), crops: measure(runs.crops, set.labels) },
  };
  if (input.calibrate) {
    const k = cfg.numClasses;
    const fit: Calibration = { ...calibrate(runs[tta].logits, set.labels, k), split, count: set.labels.length };
    result.calibrationFit = fit;
    if (keepsTemperature(fit)) result.calibration = fit;
  }
  return result;
}
