/**
 * Writes a Triton model repository from an exported model directory (`model.onnx` +
 * `metadata.json`, as `amft export` writes them):
 *
 *   <out>/<name>/config.pbtxt        platform onnxruntime_onnx, inputs/outputs read from the graph
 *   <out>/<name>/<version>/model.onnx
 *   <out>/<name>/labels.txt          the metadata's labels, one per line (label_filename)
 *
 * `name` defaults to the metadata's name, the name the service asks a remote v2 server for.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelMetadata } from '@amft/shared';
import { METADATA_FILE, MODEL_FILE } from '../write-export.js';
import { graphIo } from './graph-io.js';
import { renderConfig, type TritonConfig } from './config-pbtxt.js';

export const LABELS_FILE = 'labels.txt';
export const CONFIG_FILE = 'config.pbtxt';

export interface TritonRepositoryOptions {
  modelDir: string;
  out: string;
  name?: string;
  maxBatchSize: number;
  /** Default: the powers of two from 4 up to maxBatchSize, and maxBatchSize. */
  preferredBatchSizes?: number[];
  queueDelayMicroseconds: number;
  instances: number;
  version: number;
}

export interface WrittenRepository {
  modelDir: string;
  configPath: string;
  modelPath: string;
  labelsPath: string;
  config: TritonConfig;
}

export function defaultPreferredSizes(max: number): number[] {
  const sizes: number[] = [];
  for (let b = 4; b < max; b *= 2) sizes.push(b);
  return [...sizes, max];
}

export async function writeTritonRepository(o: TritonRepositoryOptions): Promise<WrittenRepository> {
  const metadata = ModelMetadata.parse(JSON.parse(await readFile(join(o.modelDir, METADATA_FILE), 'utf8')));
  const bytes = await readFile(join(o.modelDir, MODEL_FILE));
  const name = o.name ?? metadata.name;
  if (!/^[\w.-]+$/.test(name)) throw new Error(`model name '${name}' is not a directory name of [A-Za-z0-9_.-] (use --name)`);
  const { inputs, outputs } = graphIo(bytes);
  // Triton batches only when every input and output leads with a dynamic batch dimension.
  const batched = [...inputs, ...outputs].every((t) => t.dims.length > 0 && t.dims[0] === -1);
  const maxBatchSize = batched ? o.maxBatchSize : 0;
  const preferred = o.preferredBatchSizes ?? defaultPreferredSizes(o.maxBatchSize);
  const tooLarge = preferred.filter((b) => b < 1 || b > o.maxBatchSize);
  if (tooLarge.length) throw new Error(`preferred batch sizes ${tooLarge.join(', ')} are not within 1..max-batch-size ${o.maxBatchSize}`);
  const io = metadata.io;
  const classOutputs = [io.logits, io.probabilities, io.sequence?.logits, io.sequence?.probabilities];
  const labelled = outputs.filter((t) => classOutputs.includes(t.name) && t.dims[t.dims.length - 1] === metadata.labels.length).map((t) => t.name);
  const config: TritonConfig = {
    name,
    maxBatchSize,
    inputs,
    outputs,
    preferredBatchSizes: preferred,
    queueDelayMicroseconds: o.queueDelayMicroseconds,
    instances: o.instances,
    labels: { file: LABELS_FILE, outputs: labelled },
  };
  const dir = join(o.out, name);
  const versionDir = join(dir, String(o.version));
  await mkdir(versionDir, { recursive: true });
  const written: WrittenRepository = { modelDir: dir, configPath: join(dir, CONFIG_FILE), modelPath: join(versionDir, MODEL_FILE), labelsPath: join(dir, LABELS_FILE), config };
  await copyFile(join(o.modelDir, MODEL_FILE), written.modelPath);
  await writeFile(written.labelsPath, `${metadata.labels.join('\n')}\n`);
  await writeFile(written.configPath, renderConfig(config));
  return written;
}
