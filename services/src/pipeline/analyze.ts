/**
 * The per-image part of the request path: decode -> locate faces -> crop each face.
 * Inference (batch + infer) and the response (respond) follow in the routes, once every image
 * of a request has been cropped.
 */
import type { PreprocessingSpec } from '@amft/shared';
import { decodeImage, type DecodedImage } from './decode.js';
import { locateFaces, type DetectMode, type DetectionStatus, type FaceDetector, type FaceRegion } from './detect.js';
import { cropFace } from './align.js';
import type { Timings } from './respond.js';

export interface AnalyzeDeps {
  detector: FaceDetector;
  spec: PreprocessingSpec;
  maxPixels: number;
}

export interface AnalyzedImage {
  width: number;
  height: number;
  detection: DetectionStatus;
  faces: FaceRegion[];
  /** One model-sized crop per face, in the order of `faces`. */
  crops: Uint8Array[];
}

export async function analyzeDecoded(img: DecodedImage, mode: DetectMode, deps: AnalyzeDeps, timings?: Timings, pick?: (faces: FaceRegion[]) => FaceRegion[]): Promise<AnalyzedImage> {
  const time = <T>(stage: 'detectMs' | 'alignMs', f: () => Promise<T>) => (timings ? timings.time(stage, f) : f());
  const located = await time('detectMs', () => locateFaces(img, mode, deps.detector));
  const faces = pick ? pick(located.faces) : located.faces;
  const crops = await time('alignMs', () => Promise.all(faces.map((f) => cropFace(img, f, deps.spec))));
  return { width: img.width, height: img.height, detection: located.detection, faces, crops };
}

export async function analyzeBytes(
  bytes: Buffer,
  name: string,
  declaredType: string | undefined,
  mode: DetectMode,
  deps: AnalyzeDeps,
  timings?: Timings,
  pick?: (faces: FaceRegion[]) => FaceRegion[],
): Promise<AnalyzedImage> {
  const decode = () => decodeImage(bytes, { maxPixels: deps.maxPixels, name }, declaredType);
  const img = timings ? await timings.time('decodeMs', decode) : await decode();
  return analyzeDecoded(img, mode, deps, timings, pick);
}

/** The largest face first (by box area). */
export function largestFirst(faces: FaceRegion[]): FaceRegion[] {
  return [...faces].sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
}
