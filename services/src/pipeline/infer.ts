/**
 * Stage 5: runs the expression model. `classify` feeds a `[N,C,H,W]` batch to `io.input` (or
 * `[N,1,C,H,W]`, N one-frame clips, when io.input is the LSTM model's only, clip, input, as the
 * trainer exports it) and reads `io.probabilities`; `classifySequence` feeds `[1,T,C,H,W]` to
 * `io.sequence.input` and reads the LSTM head's probabilities and the per-frame logits.
 * onnxruntime needs every graph input fed on every run, so when a graph has a per-image input
 * and a clip input, the one not in use gets a one-image (or one-frame) zero tensor; the outputs
 * asked for do not depend on it, and onnxruntime only runs the nodes those outputs need.
 */
import { LABELS, softmax } from '@amft/shared';
import type { FloatTensor } from '../inference/session.js';
import type { LoadedModel } from '../model/load-model.js';

export const NUM_OUTPUTS = LABELS.length;
/** Values per image in a batch result of `Classifier.infer`: the logits, then the probabilities. */
export const ROW_SIZE = 2 * NUM_OUTPUTS;

export interface SequenceOutput {
  /** Sequence-level class probabilities from the LSTM head. */
  probabilities: number[];
  /** Per-frame probabilities (softmax of the head's frame logits). */
  frameProbabilities: number[][];
}

export class Classifier {
  private readonly frameSize: number;
  /** A zero tensor per graph input, for the inputs a run does not use. */
  private readonly dummies: Record<string, FloatTensor> = {};

  constructor(readonly model: LoadedModel) {
    const { channels: C, height: H, width: W } = model.metadata.preprocessing;
    this.frameSize = C * H * W;
    const { io } = model.metadata;
    for (const name of model.session.inputNames) {
      const clip = name === io.sequence?.input;
      this.dummies[name] = { data: new Float32Array(this.frameSize), dims: clip ? [1, 1, C, H, W] : [1, C, H, W] };
    }
  }

  get provider(): string {
    return this.model.session.provider;
  }

  /** Feeds `given`, plus a zero dummy for every other graph input. */
  private feeds(given: Record<string, FloatTensor>): Record<string, FloatTensor> {
    const feeds = { ...given };
    for (const name of this.model.session.inputNames) feeds[name] ??= this.dummies[name];
    return feeds;
  }

  /**
   * Probabilities for `n` normalized images, `n * 7` values, row-major. On a model whose only
   * input is the clip input, each image is a clip of one frame.
   */
  async classify(batch: Float32Array, n: number): Promise<Float32Array> {
    const { io } = this.model.metadata;
    const out = await this.model.session.run(this.feeds({ [io.input]: { data: batch, dims: this.imageDims(n) } }), [io.probabilities]);
    return checkProbabilities(out[io.probabilities].data, n);
  }

  /**
   * Logits and probabilities for `n` normalized images: `n` rows of `ROW_SIZE` values, each the
   * image's logits then its probabilities (what the v2 infer route serves, through the batcher).
   * `batch` is given up: moved to the model's thread, not copied, so it is empty afterwards.
   */
  async infer(batch: Float32Array, n: number): Promise<Float32Array> {
    const { io } = this.model.metadata;
    const out = await this.model.session.run(this.feeds({ [io.input]: { data: batch, dims: this.imageDims(n) } }), [io.logits, io.probabilities], { give: [io.input] });
    const logits = out[io.logits].data;
    const probs = checkProbabilities(out[io.probabilities].data, n);
    if (logits.length !== n * NUM_OUTPUTS) throw new Error(`the model gave ${logits.length} logits for ${n} inputs, expected ${n * NUM_OUTPUTS}`);
    const rows = new Float32Array(n * ROW_SIZE);
    for (let i = 0; i < n; i++) {
      rows.set(logits.subarray(i * NUM_OUTPUTS, (i + 1) * NUM_OUTPUTS), i * ROW_SIZE);
      rows.set(probs.subarray(i * NUM_OUTPUTS, (i + 1) * NUM_OUTPUTS), i * ROW_SIZE + NUM_OUTPUTS);
    }
    return rows;
  }

  private imageDims(n: number): number[] {
    const p = this.model.metadata.preprocessing;
    return this.model.imageAsClip ? [n, 1, p.channels, p.height, p.width] : [n, p.channels, p.height, p.width];
  }

  /** Runs the LSTM head over `t` normalized frames of one clip. */
  async classifySequence(frames: Float32Array, t: number): Promise<SequenceOutput> {
    const { io, preprocessing: p } = this.model.metadata;
    const seq = io.sequence;
    if (!seq) throw new Error('this model has no sequence head');
    const feeds = this.feeds({ [seq.input]: { data: frames, dims: [1, t, p.channels, p.height, p.width] } });
    const out = await this.model.session.run(feeds, [...new Set([seq.probabilities, seq.frameLogits])]);
    const probabilities = Array.from(checkProbabilities(out[seq.probabilities].data, 1));
    const fl = out[seq.frameLogits].data;
    const frameProbabilities = Array.from({ length: t }, (_, i) => softmax(fl, i * NUM_OUTPUTS, NUM_OUTPUTS));
    return { probabilities, frameProbabilities };
  }

  /**
   * Inferences on zeros, one per batch size in `batchSizes` (onnxruntime plans and allocates per
   * input shape) and one clip, so the first requests do not pay for the warm-up.
   */
  async warmup(batchSizes: readonly number[] = [1]): Promise<void> {
    for (const n of batchSizes) await this.infer(new Float32Array(n * this.frameSize), n);
    if (this.model.hasSequence) await this.classifySequence(new Float32Array(this.frameSize * 2), 2);
  }
}

function checkProbabilities(p: Float32Array, n: number): Float32Array {
  if (p.length !== n * NUM_OUTPUTS) throw new Error(`the model gave ${p.length} probabilities for ${n} inputs, expected ${n * NUM_OUTPUTS}`);
  for (let i = 0; i < p.length; i++) if (!Number.isFinite(p[i])) throw new Error('the model gave a non-finite probability');
  return p;
}
