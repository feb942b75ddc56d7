/**
 * `amft eval --model <export dir>`: the export's model.onnx in onnxruntime-node, i.e. the graph
 * users get, with its test-time augmentation and temperature. The samples go through the same
 * runner `amft export --val-data` measures its graphs with (export/onnx-val.ts: evaluation
 * transform, shared normalization, channels-first), and are scored like a checkpoint's
 * (classificationReport, ECE over the graph's `probabilities`).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TTA_DESCRIPTIONS, classificationReport, expectedCalibrationError, LABELS, ModelMetadata, type ClassificationReport } from '@amft/shared';
import type { ImageDataset } from '../data/sample.js';
import { prepareValSet, runOnValSet } from '../export/onnx-val.js';
import { METADATA_FILE, MODEL_FILE } from '../export/write-export.js';
import type { ProgressSink } from '../progress.js';

export interface ExportedModel {
  dir: string;
  modelPath: string;
  metadata: ModelMetadata;
  bytes: Uint8Array;
}

/** Reads an export directory: metadata.json (validated by the shared schema) and model.onnx. */
export async function readExportedModel(dir: string): Promise<ExportedModel> {
  const modelPath = join(dir, MODEL_FILE);
  const metadataPath = join(dir, METADATA_FILE);
  let raw: string;
  try {
    raw = await readFile(metadataPath, 'utf8');
  } catch {
    throw new Error(`--model ${dir}: no ${METADATA_FILE} (an export directory holds ${MODEL_FILE} and ${METADATA_FILE}, as \`amft export\` writes)`);
  }
  const parsed = ModelMetadata.safeParse(JSON.parse(raw));
  if (!parsed.success) throw new Error(`--model ${dir}: ${METADATA_FILE}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')}`);
  const metadata = parsed.data;
  if (JSON.stringify(metadata.labels) !== JSON.stringify(LABELS)) throw new Error(`--model ${dir}: labels ${metadata.labels.join(',')}, expected ${LABELS.join(',')}`);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(modelPath));
  } catch {
    throw new Error(`--model ${dir}: no ${MODEL_FILE}`);
  }
  return { dir, modelPath, metadata, bytes };
}

/** How the graph turns an image into probabilities, in words: "flip TTA, temperature 1.234". */
export function describeGraph(m: Pick<ModelMetadata, 'tta' | 'calibration'>): string {
  const tta = TTA_DESCRIPTIONS[m.tta ?? 'none'];
  const t = m.calibration ? `temperature ${m.calibration.temperature.toFixed(3)}` : 'no temperature (T = 1)';
  return `${tta}, ${t}`;
}

export interface OnnxEvaluation {
  report: ClassificationReport;
  /** Mean negative log-likelihood of the graph's probabilities (temperature included). */
  nll: number;
  predictions: Int32Array;
  /** [n, K] the graph's `probabilities`, in dataset order. */
  probabilities: Float32Array;
  imagesPerSecond: number;
}

/** Runs the exported graph over every sample in dataset order and scores it. */
export async function evaluateOnnx(
  model: ExportedModel,
  dataset: ImageDataset,
  opts: { batchSize?: number; threads?: number; onProgress?: ProgressSink } = {},
): Promise<OnnxEvaluation> {
  const { metadata } = model;
  const set = await prepareValSet(dataset, metadata.preprocessing, metadata.io.sequence !== undefined, opts.batchSize ?? 128);
  const run = await runOnValSet(model.bytes, set, { threads: opts.threads, probabilities: true, onProgress: opts.onProgress });
  const probabilities = run.probabilities as Float32Array;
  const n = set.labels.length;
  const k = LABELS.length;
  if (run.logits.length !== n * k) throw new Error(`${model.modelPath}: ${run.logits.length} logits for ${n} images of ${k} classes`);
  const { predictions } = run;
  const rows: Float32Array[] = [];
  let nll = 0;
  for (let i = 0; i < n; i++) {
    rows.push(probabilities.subarray(i * k, (i + 1) * k));
    nll -= Math.log(Math.max(probabilities[i * k + set.labels[i]], 1e-12));
  }
  const report = { ...classificationReport(set.labels, predictions, LABELS), ece: expectedCalibrationError(rows, set.labels) };
  return { report, nll: n > 0 ? nll / n : 0, predictions, probabilities, imagesPerSecond: run.imagesPerSecond };
}
