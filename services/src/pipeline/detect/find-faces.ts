/**
 * Runs a strategy's passes (plan.ts) over an image and merges what they find: each pass's
 * detections back in image pixels, those cut by a tile edge or beyond the model's range
 * dropped, then one weighted NMS over all passes, the less confident of nested boxes dropped,
 * and faces under the smallest size wanted dropped. Best score first.
 */
import sharp from 'sharp';
import type { DecodedImage } from '../decode.js';
import type { FaceDetector } from './blazeface.js';
import { MIN_FACE_TOLERANCE, planPasses, smallestFace, TILE_OVERLAP, EXTRA_PASS_SCORE_MARGIN, type FaceOptions, type Pass } from './plan.js';
import { tileGrid, tileView } from './tiles.js';
import { letterbox, toImage, touchesCut, windowInput } from './view.js';
import { weightedNms } from './weighted-nms.js';
import { LANDMARK_NAMES, type DetectedFace, type Landmarks, type Point, type RawDetection } from './types.js';
import { round2 } from '../../round.js';

export interface Detectors {
  front: FaceDetector;
  back: FaceDetector;
  /** The model of the `near` strategy. */
  near: FaceDetector;
}

/** A detection whose box lies this much (of its area) inside another is nested in it. */
export const CONTAINED_FRACTION = 0.6;

export interface FoundFaces {
  faces: DetectedFace[];
  /** Detector runs made (whole-image passes and tiles). */
  runs: number;
}

const width = (d: RawDetection) => d.xmax - d.xmin;

async function runPass(img: DecodedImage, pass: Pass, detectors: Detectors): Promise<{ dets: RawDetection[]; runs: number }> {
  const detector = detectors[pass.model];
  if (pass.kind === 'whole') {
    const minScore = detector.minScore + (pass.ifFaceOver === undefined ? 0 : EXTRA_PASS_SCORE_MARGIN);
    const { input, view } = await letterbox(img, detector.inputSize);
    const dets = (await detector.run(input)).filter((d) => d.score >= minScore).map((d) => toImage(d, view)).filter((d) => width(d) <= pass.maxFace);
    return { dets, runs: 1 };
  }
  const S = detector.inputSize;
  const { scaledWidth: sw, scaledHeight: sh } = pass;
  const scaled = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).resize(sw, sh, { fit: 'fill' }).raw().toBuffer();
  const dets: RawDetection[] = [];
  const grid = tileGrid(sw, sh, S, TILE_OVERLAP);
  for (const { x, y } of grid) {
    const view = tileView(x, y, S, img.width, img.height, sw, sh);
    for (const d of await detector.run(windowInput(scaled, sw, sh, x, y, S))) {
      if (d.score < detector.minScore + EXTRA_PASS_SCORE_MARGIN || touchesCut(d, view)) continue;
      const p = toImage(d, view);
      if (width(p) <= pass.maxFace) dets.push(p);
    }
  }
  return { dets, runs: grid.length };
}

/**
 * Of two nested detections (the smaller lying mostly inside the larger), keeps the more
 * confident: faces do not nest, so one is a part of a face, or a poor box around one.
 */
export function dropContained(dets: readonly RawDetection[], fraction = CONTAINED_FRACTION): RawDetection[] {
  const area = (d: RawDetection) => (d.xmax - d.xmin) * (d.ymax - d.ymin);
  const nested = (a: RawDetection, b: RawDetection) => {
    const [small, large] = area(a) <= area(b) ? [a, b] : [b, a];
    const iw = Math.min(small.xmax, large.xmax) - Math.max(small.xmin, large.xmin);
    const ih = Math.min(small.ymax, large.ymax) - Math.max(small.ymin, large.ymin);
    return iw > 0 && ih > 0 && iw * ih >= fraction * area(small);
  };
  return dets.filter((d) => !dets.some((o) => o !== d && (o.score > d.score || (o.score === d.score && area(o) > area(d))) && nested(d, o)));
}


/** Image-pixel detection -> a face with its box clamped to the image; null when nothing is left. */
function toFace(d: RawDetection, w: number, h: number): DetectedFace | null {
  const cx = (v: number) => Math.min(w, Math.max(0, v));
  const cy = (v: number) => Math.min(h, Math.max(0, v));
  const [x0, y0, x1, y1] = [cx(d.xmin), cy(d.ymin), cx(d.xmax), cy(d.ymax)];
  if (x1 - x0 < 1 || y1 - y0 < 1) return null;
  const pt = (k: number): Point => ({ x: round2(d.keypoints[2 * k]), y: round2(d.keypoints[2 * k + 1]) });
  const landmarks = Object.fromEntries(LANDMARK_NAMES.map((n, k) => [n, pt(k)])) as unknown as Landmarks;
  return { box: { x: round2(x0), y: round2(y0), width: round2(x1 - x0), height: round2(y1 - y0) }, score: d.score, landmarks };
}

export async function findFaces(img: DecodedImage, detectors: Detectors, opts: FaceOptions): Promise<FoundFaces> {
  const all: RawDetection[] = [];
  let runs = 0;
  for (const pass of planPasses(img.width, img.height, opts)) {
    if (pass.kind === 'whole' && pass.ifFaceOver !== undefined && all.length > 0 && !all.some((d) => width(d) >= pass.ifFaceOver!)) continue;
    const r = await runPass(img, pass, detectors);
    all.push(...r.dets);
    runs += r.runs;
  }
  const smallest = MIN_FACE_TOLERANCE * smallestFace(img.width, img.height, opts.minFaceSize);
  const merged = dropContained(weightedNms(all, 0.3)).filter((d) => width(d) >= smallest);
  const faces = merged.flatMap((d) => toFace(d, img.width, img.height) ?? []).sort((a, b) => b.score - a.score);
  return { faces, runs };
}

