/**
 * BlazeFace raw outputs -> detections (MediaPipe's TensorsToDetectionsCalculator): sigmoid
 * scores, those under the threshold dropped, box centre/size and keypoints decoded against the
 * anchor centres. Coordinates are normalized to the model input ([0,1] inside it).
 */
import { KEYPOINTS, type RawDetection } from './types.js';

/** Regressor values per anchor: box (cx, cy, w, h) and the keypoints. */
export const REGRESSORS = 4 + 2 * KEYPOINTS;

const sigmoid = (x: number) => 1 / (1 + Math.exp(-Math.max(-100, Math.min(100, x))));

/** Decodes regressors [n,16] and raw scores [n] against anchor centres [n,2]. */
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
