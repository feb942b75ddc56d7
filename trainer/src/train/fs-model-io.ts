import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';

/**
 * A tf.io handler that saves a model to `dir/model.json` + `dir/weights.bin` with node:fs and
 * loads it back (the layout of tfjs-node's `file://` handler, which is not available here):
 * `model.save(fileIO(dir))`, `tf.loadLayersModel(fileIO(dir))`.
 */
export function fileIO(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) throw new Error('fileIO saves JSON model topologies only');
      await mkdir(dir, { recursive: true });
      const weights = artifacts.weightData ? tf.io.CompositeArrayBuffer.join(artifacts.weightData) : new ArrayBuffer(0);
      const modelJSON: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology ?? {},
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
      };
      await writeFile(join(dir, WEIGHTS_BIN), new Uint8Array(weights));
      await writeFile(join(dir, MODEL_JSON), JSON.stringify(modelJSON));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      const modelJSON = JSON.parse(await readFile(join(dir, MODEL_JSON), 'utf8')) as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(modelJSON, async (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const buffers = await Promise.all(manifest.flatMap((group) => group.paths.map((p) => readFile(join(dir, p)))));
        return [specs, buffers.map((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer)];
      });
    },
  };
}

/** The model's weights from `dir` (model.json + weights.bin), in the order they were saved. */
export async function readModelWeights(dir: string): Promise<Array<{ name: string; tensor: tf.Tensor }>> {
  const artifacts = await fileIO(dir).load!();
  const specs = artifacts.weightSpecs ?? [];
  const map = tf.io.decodeWeights(artifacts.weightData ?? new ArrayBuffer(0), specs);
  return specs.map((s) => ({ name: s.name, tensor: map[s.name] }));
}
