/**
 * The detect policy: which regions of an image are faces, by the request's detect mode.
 * - never: the image is the face (`whole-image`).
 * - always: the faces found; none is an answer (`none-found`).
 * - auto: the faces found; when none, the whole image only if it is crop-sized (its long side
 *   at most `cropSide`, twice the expression model's input side: a 48x48 FER crop for a 48 px
 *   model), `none-found-whole-image`; a larger picture without a face has no face
 *   (`none-found`).
 */
import type { DecodedImage } from '../decode.js';
import { findFaces, type Detectors } from './find-faces.js';
import type { FaceOptions } from './plan.js';
import type { FaceRegion } from './types.js';

export type DetectMode = 'auto' | 'always' | 'never';
/**
 * How the faces of an image were found: `detected` (one or more by the detector),
 * `none-found-whole-image` (auto, crop-sized image: none found, the whole image was used as the
 * face), `none-found` (always, or auto on a larger image: none found, no faces), `whole-image`
 * (never: the image is the face).
 */
export type DetectionStatus = 'detected' | 'none-found-whole-image' | 'none-found' | 'whole-image';

export interface LocateOptions extends FaceOptions {
  /** Long side (pixels) up to which detect=auto takes a faceless image as the face. */
  cropSide: number;
}

/** Faces of `img` by `mode`; the detectors are needed unless the mode is `never`. */
export async function locateFaces(img: DecodedImage, mode: DetectMode, detectors: Detectors | undefined, opts: LocateOptions): Promise<{ detection: DetectionStatus; faces: FaceRegion[] }> {
  const whole: FaceRegion = { box: { x: 0, y: 0, width: img.width, height: img.height }, score: null };
  if (mode === 'never') return { detection: 'whole-image', faces: [whole] };
  if (!detectors) throw new Error(`detect=${mode} needs the face detectors`);
  const { faces } = await findFaces(img, detectors, opts);
  if (faces.length > 0) return { detection: 'detected', faces };
  if (mode === 'auto' && Math.max(img.width, img.height) <= opts.cropSide) return { detection: 'none-found-whole-image', faces: [whole] };
  return { detection: 'none-found', faces: [] };
}
