/**
 * Runs exported ONNX graphs over a labelled set with onnxruntime-node, as a consumer of the
 * export would: the deterministic evaluation transform and the shared normalization, images
 * channels-first (a clip of one frame for the LSTM export). Used by `amft export` to decide
 * `--tta auto`, to fit the temperature, and to measure images/s of the graphs it writes, and by
 * `amft eval --model` to evaluate an export directory's model.onnx (the same runner, so both
 * measure the same graph the same way).
 */
import * as ort from 'onnxruntime-node';
import { argmax, type PreprocessingSpec } from '@amft/shared';
import { iterateBatches } from '../data/batch-iterator.js';
import type { ImageDataset } from '../data/sample.js';
import type { ProgressSink } from '../progress.js';
import { IO_NAMES } from '../model/build-model.js';
import { PROBABILITIES } from './metadata.js';

export interface ValBatch {
  data: Float32Array;
  dims: number[];
  labels: Int32Array;
}

export interface ValSet {
  batches: ValBatch[];
  labels: Int32Array;
  /** The graph input the batches are shaped for. */
  input: string;
}

export interface ValRun {
  /** [n, K] logits, row-major, in dataset order. */
  logits: Float32Array;
  /** [n, K] the graph's `probabilities` output (softmax(logits / T)), when asked for. */
  probabilities?: Float32Array;
  /** [n] the arg-max class of each image's logits. */
  predictions: Int32Array;
  accuracy: number;
  /** Images per second of session.run alone (batch of ValSet's batch size, one session). */
  imagesPerSecond: number;
}

/** NHWC pixels -> NCHW. */
function toChannelsFirst(x: Float32Array, n: number, h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < h; y++) {
      for (let xx = 0; xx < w; xx++) {
        for (let ch = 0; ch < c; ch++) out[((i * c + ch) * h + y) * w + xx] = x[((i * h + y) * w + xx) * c + ch];
      }
    }
  }
  return out;
}

/** Builds every batch once (evaluation transform), ready for any number of graphs. */
export async function prepareValSet(dataset: ImageDataset, spec: PreprocessingSpec, lstm: boolean, batchSize = 64): Promise<ValSet> {
  const { height: h, width: w, channels: c } = spec;
  const batches: ValBatch[] = [];
  for await (const b of iterateBatches({ dataset, spec, batchSize })) {
    const data = toChannelsFirst(b.x, b.size, h, w, c);
    batches.push({ data, dims: lstm ? [b.size, 1, c, h, w] : [b.size, c, h, w], labels: b.labels });
  }
  const labels = Int32Array.from(dataset.samples, (s) => s.label);
  return { batches, labels, input: lstm ? IO_NAMES.sequenceInput : IO_NAMES.input };
}

export interface RunOptions {
  /** onnxruntime intra-op threads (0: its choice). */
  threads?: number;
  /** Also fetch the graph's `probabilities` output. */
  probabilities?: boolean;
  /** Called after every batch with the images done and the total. */
  onProgress?: ProgressSink;
}

/** Runs `model` (ONNX bytes) over the set: logits (and probabilities when asked), predictions and accuracy (arg-max of the logits), images/s. */
export async function runOnValSet(model: Uint8Array, set: ValSet, opts: RunOptions = {}): Promise<ValRun> {
  const session = await ort.InferenceSession.create(model, { graphOptimizationLevel: 'all', intraOpNumThreads: opts.threads ?? 0, logSeverityLevel: 3 });
  try {
    const n = set.labels.length;
    let k = 0;
    let logits = new Float32Array(0);
    let probabilities: Float32Array | undefined;
    const fetches = opts.probabilities ? [IO_NAMES.logits, PROBABILITIES] : [IO_NAMES.logits];
    let offset = 0;
    let seconds = 0;
    let correct = 0;
    const predictions = new Int32Array(n);
    const first = set.batches[0];
    if (first) await session.run({ [set.input]: new ort.Tensor('float32', first.data, first.dims) }, fetches); // warm-up, untimed
    for (const b of set.batches) {
      const feed = { [set.input]: new ort.Tensor('float32', b.data, b.dims) };
      const t0 = performance.now();
      const out = await session.run(feed, fetches);
      seconds += (performance.now() - t0) / 1000;
      const values = out[IO_NAMES.logits].data as Float32Array;
      if (k === 0) {
        k = values.length / b.labels.length;
        logits = new Float32Array(n * k);
        if (opts.probabilities) probabilities = new Float32Array(n * k);
      }
      logits.set(values, offset * k);
      if (probabilities) probabilities.set(out[PROBABILITIES].data as Float32Array, offset * k);
      for (let i = 0; i < b.labels.length; i++) {
        predictions[offset + i] = argmax(values, i * k, k);
        if (predictions[offset + i] === b.labels[i]) correct++;
      }
      offset += b.labels.length;
      opts.onProgress?.(offset, n);
    }
    return { logits, ...(probabilities ? { probabilities } : {}), predictions, accuracy: n > 0 ? correct / n : 0, imagesPerSecond: seconds > 0 ? n / seconds : 0 };
  } finally {
    await session.release();
  }
}
