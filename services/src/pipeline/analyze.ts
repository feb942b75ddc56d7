/**
 * The per-image part of the request path: decode -> locate faces -> pick -> crop each face.
 * A job is plain data (bytes or gray pixels, the detect mode, which faces to keep), so it runs
 * the same on the main thread or in a preprocessing worker (preprocess.ts). Inference (batch +
 * infer) and the response (respond) follow in the routes, once every image of a request has
 * been cropped.
 */
import type { PreprocessingSpec } from '@amft/shared';
import { smallJpegToInput } from '@amft/shared/image';
import { decodeImage, grayToImage, type DecodedImage } from './decode.js';
import { DEFAULT_FACE_OPTIONS, locateFaces, type DetectMode, type DetectionStatus, type Detectors, type FaceOptions, type FaceRegion } from './detect/index.js';
import { cropFace } from './align.js';
import { timed } from './timing.js';

export interface AnalyzeDeps {
  /** Needed by every detect mode but `never`. */
  detectors?: Detectors;
  spec: PreprocessingSpec;
  maxPixels: number;
  /** The detection strategy of jobs that do not name one (the service's flags; DEFAULT_FACE_OPTIONS when absent). */
  faces?: FaceOptions;
}

/**
 * Encoded image bytes (JPEG, PNG, WebP), or 8-bit gray pixels (a FER2013 CSV row). `give`: the
 * caller does not read the bytes again once the job is sent, so a preprocessing worker gets them
 * moved rather than copied (when they are a whole buffer of their own; preprocess.ts).
 */
export type ImageSource =
  | { kind: 'bytes'; bytes: Uint8Array; name: string; declaredType?: string; give?: boolean }
  | { kind: 'gray'; pixels: Uint8Array; width: number; height: number };

/** Which of the located faces to crop: all, or the largest. */
export type FacePick = { kind: 'all' } | { kind: 'largest' };

export interface AnalyzeJob {
  source: ImageSource;
  mode: DetectMode;
  /** Strategy and smallest face; the service's defaults when absent. */
  faces?: FaceOptions;
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
  times: StageTimes;
}

/** The index of the largest face (by box area); -1 when there is none. */
export function largestFace(faces: readonly { box: { width: number; height: number } }[]): number {
  let best = -1;
  faces.forEach((f, i) => {
    if (best < 0 || f.box.width * f.box.height > faces[best].box.width * faces[best].box.height) best = i;
  });
  return best;
}

export function pickFaces(faces: FaceRegion[], pick: FacePick = { kind: 'all' }): FaceRegion[] {
  if (pick.kind === 'all' || faces.length === 0) return faces;
  return [faces[largestFace(faces)]];
}

async function analyzeDecoded(img: DecodedImage, job: Omit<AnalyzeJob, 'source'>, deps: AnalyzeDeps, decodeMs = 0): Promise<AnalyzedImage> {
  const cropSide = 2 * Math.max(deps.spec.width, deps.spec.height);
  const [located, detectMs] = await timed(() => locateFaces(img, job.mode, deps.detectors, { ...(job.faces ?? deps.faces ?? DEFAULT_FACE_OPTIONS), cropSide }));
  const faces = pickFaces(located.faces, job.pick);
  const [crops, alignMs] = await timed(() => Promise.all(faces.map((f) => cropFace(img, f, deps.spec))));
  return { width: img.width, height: img.height, detection: located.detection, faces, crops, times: { decodeMs, detectMs, alignMs } };
}

/**
 * detect=never on a small JPEG already of the model's size (a FER2013 crop): the bytes straight
 * to the model input on this thread by the shared `smallJpegToInput` (the pixels the general path
 * gives, with no RGB image in between and no sharp call); undefined for any other image, which
 * takes the general path and its errors.
 */
export function wholeCropFast(job: AnalyzeJob, deps: Pick<AnalyzeDeps, 'spec' | 'maxPixels'>): AnalyzedImage | undefined {
  const src = job.source;
  if (job.mode !== 'never' || src.kind !== 'bytes') return undefined;
  const t0 = performance.now();
  const crop = smallJpegToInput(src.bytes, deps.spec, deps.maxPixels);
  if (!crop) return undefined;
  const { width, height } = deps.spec;
  const times = { decodeMs: performance.now() - t0, detectMs: 0, alignMs: 0 };
  return { width, height, detection: 'whole-image', faces: [{ box: { x: 0, y: 0, width, height }, score: null }], crops: [crop], times };
}

export async function analyze(job: AnalyzeJob, deps: AnalyzeDeps): Promise<AnalyzedImage> {
  const fast = wholeCropFast(job, deps);
  if (fast) return fast;
  const src = job.source;
  if (src.kind === 'gray') return analyzeDecoded(grayToImage(src.pixels, src.width, src.height), job, deps);
  const bytes = Buffer.isBuffer(src.bytes) ? src.bytes : Buffer.from(src.bytes.buffer, src.bytes.byteOffset, src.bytes.byteLength);
  const [img, decodeMs] = await timed(() => decodeImage(bytes, { maxPixels: deps.maxPixels, name: src.name }, src.declaredType));
  return analyzeDecoded(img, job, deps, decodeMs);
}
