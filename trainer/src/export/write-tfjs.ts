/**
 * The TensorFlow.js weights of an export, for fine-tuning (`amft train --init <export dir>`):
 * `tfjs/model.json` + `tfjs/weights.bin` (the topology and weights, no optimizer state) and
 * `tfjs/amft.json` (the full model config and labels the model is rebuilt and checked from).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { LABELS } from '@amft/shared';
import { z } from 'zod';
import type { ModelConfig } from '../model/config.js';
import { fileIO } from '../train/fs-model-io.js';

export const TFJS_DIR = 'tfjs';
export const TFJS_CONFIG_FILE = 'amft.json';

/** `tfjs/amft.json`. `modelConfig` is validated by the model's own ModelConfig schema when read. */
export const TfjsExportInfo = z.object({
  format: z.literal('amft-tfjs'),
  version: z.literal(1),
  labels: z.array(z.string()).min(1),
  modelConfig: z.unknown(),
});
export type TfjsExportInfo = z.infer<typeof TfjsExportInfo>;

/** Writes `<exportDir>/tfjs/`: model.json + weights.bin (no optimizer state) and amft.json. */
export async function writeTfjsWeights(model: tf.LayersModel, cfg: ModelConfig, exportDir: string): Promise<string> {
  const dir = join(exportDir, TFJS_DIR);
  await model.save(fileIO(dir), { includeOptimizer: false });
  const info: TfjsExportInfo = { format: 'amft-tfjs', version: 1, labels: [...LABELS], modelConfig: cfg };
  await writeFile(join(dir, TFJS_CONFIG_FILE), `${JSON.stringify(info, null, 1)}\n`);
  return dir;
}

/** Reads `tfjs/amft.json` of an export directory. */
export async function readTfjsExportInfo(tfjsDir: string): Promise<TfjsExportInfo> {
  return TfjsExportInfo.parse(JSON.parse(await readFile(join(tfjsDir, TFJS_CONFIG_FILE), 'utf8')));
}
