/**
 * Writes an export directory: `model.onnx` + `metadata.json` (what the service loads), optionally
 * replacing model.onnx by onnxruntime's optimized graph (the portable one is kept as
 * `model.portable.onnx`).
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import type { Calibration, ModelMetadata, TtaMode } from '@amft/shared';
import type { ModelConfig } from '../model/config.js';
import { IO_NAMES } from '../model/build-model.js';
import { exportToOnnx, type ExportReport } from './export-onnx.js';
import type { ExportMetadataInput } from './metadata.js';
import { quantizeWeights, type QuantizeMode } from './quantize.js';
import { writeTfjsWeights } from './write-tfjs.js';

export const MODEL_FILE = 'model.onnx';
export const PORTABLE_MODEL_FILE = 'model.portable.onnx';
export const METADATA_FILE = 'metadata.json';

export interface WriteExportOptions {
  /** Model name (default amft-<variant>[-lstm]). */
  name?: string;
  /**
   * Save onnxruntime's optimized graph (graphOptimizationLevel 'all') as model.onnx. That graph
   * may use onnxruntime's own operators and hardware-specific layouts: it is for the machine
   * type it was made on; model.portable.onnx keeps the plain opset-17 export.
   */
  optimize?: boolean;
  /** Weight-only quantization (see quantize.ts); applied before --optimize. */
  quantize?: QuantizeMode;
  /** Test-time augmentation in the graph (see tta-graph.ts). */
  tta?: TtaMode;
  /** A fitted temperature for the graph's probabilities. */
  calibration?: Calibration;
  /** Also write tfjs/ (TensorFlow.js weights for `amft train --init`; default true). */
  tfjs?: boolean;
}

export interface WrittenExport {
  dir: string;
  modelPath: string;
  metadataPath: string;
  /** Set when --optimize kept the portable model beside the optimized one. */
  portablePath?: string;
  metadata: ModelMetadata;
  /** tfjs/ (TensorFlow.js weights), when written. */
  tfjsDir?: string;
  /** Size of model.onnx in bytes. */
  bytes: number;
  report: ExportReport;
  /** --optimize: max |logits difference| between the optimized and the portable graph on a random input. */
  optimizedMaxDiff?: number;
}

/**
 * Runs onnxruntime's optimizer over `bytes` and saves the result to `outPath`
 * (session option optimizedModelFilePath).
 */
export async function saveOptimizedModel(bytes: Uint8Array, outPath: string): Promise<void> {
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all', optimizedModelFilePath: outPath, logSeverityLevel: 3 });
  await session.release();
}

/** Deterministic pseudo-random input for a self-check. */
function probeInput(cfg: ModelConfig): ort.Tensor {
  const { channels: c, height: h, width: w } = cfg.preprocessing;
  const dims = cfg.lstm ? [2, 2, c, h, w] : [2, c, h, w];
  const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
  let s = 12345;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    data[i] = (s / 2 ** 32) * 4 - 2;
  }
  return new ort.Tensor('float32', data, dims);
}

async function runLogits(model: string | Uint8Array, cfg: ModelConfig): Promise<Float32Array> {
  const session = typeof model === 'string' ? await ort.InferenceSession.create(model, { graphOptimizationLevel: 'all' }) : await ort.InferenceSession.create(model, { graphOptimizationLevel: 'all' });
  try {
    const input = cfg.lstm ? IO_NAMES.sequenceInput : IO_NAMES.input;
    const out = await session.run({ [input]: probeInput(cfg) });
    return out[IO_NAMES.logits].data as Float32Array;
  } finally {
    await session.release();
  }
}

/**
 * Exports `model` (built from `cfg`) into `outDir`: model.onnx and metadata.json. `extraMetadata`
 * adds metrics, training facts, a name or a creation time.
 */
export async function exportCheckpoint(
  model: tf.LayersModel,
  cfg: ModelConfig,
  outDir: string,
  extraMetadata: ExportMetadataInput = {},
  opts: WriteExportOptions = {},
): Promise<WrittenExport> {
  const exported = exportToOnnx(model, cfg, { metadata: extraMetadata, name: opts.name, tta: opts.tta, calibration: opts.calibration });
  const { metadata, report } = exported;
  const bytes = opts.quantize ? quantizeWeights(exported.bytes, opts.quantize).bytes : exported.bytes;
  await mkdir(outDir, { recursive: true });
  const modelPath = join(outDir, MODEL_FILE);
  const metadataPath = join(outDir, METADATA_FILE);
  const portable = join(outDir, PORTABLE_MODEL_FILE);
  let size = bytes.length;
  let optimizedMaxDiff: number | undefined;
  if (opts.optimize) {
    await writeFile(portable, bytes);
    await saveOptimizedModel(bytes, modelPath);
    size = (await readFile(modelPath)).length;
    // the optimized graph must compute what the portable one does
    const a = await runLogits(bytes, cfg);
    const b = await runLogits(modelPath, cfg);
    optimizedMaxDiff = a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
    if (!(optimizedMaxDiff <= 1e-4)) throw new Error(`the optimized model differs from the exported one by ${optimizedMaxDiff} on a probe input`);
  } else {
    await writeFile(modelPath, bytes);
    await rm(portable, { force: true });
  }
  await writeFile(metadataPath, `${JSON.stringify(metadata, null, 2)}\n`);
  const tfjsDir = opts.tfjs === false ? undefined : await writeTfjsWeights(model, cfg, outDir);
  return { dir: outDir, modelPath, metadataPath, ...(tfjsDir ? { tfjsDir } : {}), ...(opts.optimize ? { portablePath: portable } : {}), metadata, bytes: size, report, ...(optimizedMaxDiff !== undefined ? { optimizedMaxDiff } : {}) };
}
