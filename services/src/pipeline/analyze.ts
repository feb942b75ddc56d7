/**
 * The per-image part of the request path: decode -> locate faces -> pick -> crop each face.
 * A job is plain data (bytes or gray pixels, the detect mode, which faces to keep), so it runs
 * the same on the main thread or in a preprocessing worker (preprocess.ts). Inference (batch +
 * infer) and the response (respond) follow in the routes, once every image of a request has
 * been cropped.
 */
import type { PreprocessingSpec } from '@amft/shared';
import { decodeImage, grayToImage, type DecodedImage } from './decode.js';
import { boxIou, locateFaces, type Box, type DetectMode, type DetectionStatus, type FaceDetector, type FaceRegion } from './detect.js';
import { cropFace } from './align.js';

export interface AnalyzeDeps {
  /** Needed by every detect mode but `never`. */
  detector?: FaceDetector;
  spec: PreprocessingSpec;
  maxPixels: number;
}

/** Encoded image bytes (JPEG, PNG, WebP), or 8-bit gray pixels (a FER2013 CSV row). */
export type ImageSource =
  | { kind: 'bytes'; bytes: Uint8Array; name: string; declaredType?: string }
  | { kind: 'gray'; pixels: Uint8Array; width: number; height: number };

/**
 * Which of the located faces to crop: all; the largest; or the one tracked from the previous
 * frame's box (the face overlapping `prev` most, when by at least `minIou`, else the largest).
 */
export type FacePick = { kind: 'all' } | { kind: 'largest' } | { kind: 'track'; prev?: Box; minIou: number };

export interface AnalyzeJob {
  source: ImageSource;
  mode: DetectMode;
  pick?: FacePick;
}

/** Milliseconds spent in each per-image stage. */
export interface StageTimes {
  decodeMs: number;
  detectMs: number;
  alignMs: number;
}

export interface AnalyzedImage {
  width: number;
  height: number;
  detection: DetectionStatus;
  faces: FaceRegion[];
  /** One model-sized crop per face, in the order of `faces`. */
  crops: Uint8Array[];
  /** `track` pick: the face was matched to `prev` by IoU (false when (re)acquired as the largest). */
  tracked: boolean;
  times: StageTimes;
}

/** The largest face first (by box area). */
function largestFirst(faces: FaceRegion[]): FaceRegion[] {
  return [...faces].sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
}

export function pickFaces(faces: FaceRegion[], pick: FacePick = { kind: 'all' }): { faces: FaceRegion[]; tracked: boolean } {
  if (pick.kind === 'all' || faces.length === 0) return { faces, tracked: false };
  if (pick.kind === 'track' && pick.prev) {
    const prev = pick.prev;
    const best = faces.map((face) => ({ face, iou: boxIou(face.box, prev) })).sort((a, b) => b.iou - a.iou)[0];
    if (best.iou >= pick.minIou) return { faces: [best.face], tracked: true };
  }
  return { faces: [largestFirst(faces)[0]], tracked: false };
}

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const v = await f();
  return [v, performance.now() - t0];
}

async function analyzeDecoded(img: DecodedImage, job: Omit<AnalyzeJob, 'source'>, deps: AnalyzeDeps, decodeMs = 0): Promise<AnalyzedImage> {
  const [located, detectMs] = await timed(() => locateFaces(img, job.mode, deps.detector));
  const { faces, tracked } = pickFaces(located.faces, job.pick);
  const [crops, alignMs] = await timed(() => Promise.all(faces.map((f) => cropFace(img, f, deps.spec))));
  return { width: img.width, height: img.height, detection: located.detection, faces, crops, tracked, times: { decodeMs, detectMs, alignMs } };
}

export async function analyze(job: AnalyzeJob, deps: AnalyzeDeps): Promise<AnalyzedImage> {
  const src = job.source;
  if (src.kind === 'gray') return analyzeDecoded(grayToImage(src.pixels, src.width, src.height), job, deps);
  const bytes = Buffer.isBuffer(src.bytes) ? src.bytes : Buffer.from(src.bytes.buffer, src.bytes.byteOffset, src.bytes.byteLength);
  const [img, decodeMs] = await timed(() => decodeImage(bytes, { maxPixels: deps.maxPixels, name: src.name }, src.declaredType));
  return analyzeDecoded(img, job, deps, decodeMs);
}
