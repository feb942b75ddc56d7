/**
 * The detection strategy: which detector passes an image gets, from its size, the strategy and
 * the smallest face wanted. Face sizes are box widths in pixels.
 *
 * What the two BlazeFace models find, measured on faces pasted into their input
 * (bench/detect.ts): front (128) every face from 18 input pixels to more than the whole input;
 * back (256) every face from 14 to about 180 input pixels (70%); above that it adds part-face
 * boxes. Per run on the 2-core development CPU: front about 3 ms, back about 8 ms.
 *
 * - `near`: one pass of the near detector (front by default) over the whole image: the
 *   selfie range, faces at least 14% of the image's long side. The cheapest.
 * - `all`: every face down to `minFaceSize`.
 *   - An image small enough for the front model to see such a face (long side <= 6.4 x the
 *     smallest face: 256 px for 40 px faces) gets one front pass.
 *   - Otherwise one back pass over the whole image, which finds faces from 6% to 70% of the long
 *     side (640x480: 40 to 450 px). Faces smaller than that: tiles of the image scaled so that
 *     they are 20 px in the back model's input, one level per 3.2x range of sizes (20 to 64 px in a
 *     tile; tiles overlap by 72 px), tile detections needing a score 0.1 higher.
 *   - The front pass over the whole image runs as well when the back passes found nothing or a
 *     face over 40% of the long side: a face filling the frame is the front model's range. It
 *     also needs a score 0.1 higher.
 */
export type FaceStrategy = 'near' | 'all';
export type ModelRole = 'front' | 'back' | 'near';

export interface FaceOptions {
  strategy: FaceStrategy;
  /** Smallest face to find, box width in pixels. */
  minFaceSize: number;
}

/** The defaults of --faces and --min-face-size. */
export const DEFAULT_FACE_OPTIONS: Readonly<FaceOptions> = { strategy: 'all', minFaceSize: 40 };

/** Smallest face each model finds reliably, in input pixels (with a margin over the measured 18 and 14). */
export const FRONT_MIN_FACE = 20;
export const BACK_MIN_FACE = 16;
/** Largest face the back model is trusted with, as a fraction of its input. */
export const BACK_MAX_FRACTION = 0.7;
/** Size of the smallest face wanted in a tile's input: above BACK_MIN_FACE, for tighter boxes. */
export const TILE_MIN_FACE = 20;
/**
 * Tiles and the conditional front pass are more chances of a false face: their detections need
 * this much more than --min-face-score (measured: textured backgrounds gave false faces at 0.50
 * to 0.51; the composed faces score 0.67 and up).
 */
export const EXTRA_PASS_SCORE_MARGIN = 0.1;
/** Largest face a tile is relied on for, in input pixels; tiles overlap by more than this. */
export const TILE_MAX_FACE = 64;
export const TILE_OVERLAP = TILE_MAX_FACE + 8;
/** A back-pass face this large (fraction of the long side) asks for the front pass too. */
export const NEAR_CHECK_FRACTION = 0.4;
/** Reported faces are at least this fraction of the smallest face wanted (box jitter). */
export const MIN_FACE_TOLERANCE = 0.75;

const FRONT_SIZE = 128;
const BACK_SIZE = 256;

export interface WholePass {
  kind: 'whole';
  model: ModelRole;
  /** Face widths (image pixels) this pass is relied on for. */
  range: [number, number];
  /** Larger detections are dropped (outside the model's range). */
  maxFace: number;
  /** Runs only when the passes before found no face, or one of at least `ifFaceOver` pixels. */
  ifFaceOver?: number;
}

export interface TilePass {
  kind: 'tiles';
  model: 'back';
  /** The image is resized to this before tiling. */
  scaledWidth: number;
  scaledHeight: number;
  range: [number, number];
  maxFace: number;
}

export type Pass = WholePass | TilePass;

/**
 * Pixels of scaled image that an image's tiles may cover: a 4096x3072 photo with 40 px faces
 * (2048x1536 at 20/40). It bounds the detector runs per image (about 90 tiles).
 */
export const MAX_TILE_PIXELS = 2048 * 1536;

/**
 * The smallest face wanted in a `width` x `height` image: minFaceSize, at most half the short
 * side, and at least what keeps the tiles within MAX_TILE_PIXELS (larger than 4096x3072 photos
 * get a proportionally larger smallest face).
 */
export function smallestFace(width: number, height: number, minFaceSize: number): number {
  const budget = TILE_MIN_FACE * Math.sqrt((width * height) / MAX_TILE_PIXELS);
  return Math.max(1, budget, Math.min(minFaceSize, Math.min(width, height) / 2));
}

export function planPasses(width: number, height: number, opts: FaceOptions): Pass[] {
  const long = Math.max(width, height);
  if (opts.strategy === 'near') return [{ kind: 'whole', model: 'near', range: [0, Infinity], maxFace: Infinity }];
  const m = smallestFace(width, height, opts.minFaceSize);
  const frontFrom = (FRONT_MIN_FACE * long) / FRONT_SIZE;
  if (frontFrom <= m) return [{ kind: 'whole', model: 'front', range: [0, Infinity], maxFace: Infinity }];
  const backFrom = (BACK_MIN_FACE * long) / BACK_SIZE;
  const backTo = BACK_MAX_FRACTION * long;
  const passes: Pass[] = [{ kind: 'whole', model: 'back', range: [backFrom, backTo], maxFace: backTo }];
  // Tile levels from the smallest face up, each covering 4x in size, until the whole pass takes over.
  for (let lo = m; lo < backFrom; ) {
    const scale = TILE_MIN_FACE / lo;
    const hi = TILE_MAX_FACE / scale;
    // Larger faces belong to the next level; 1.5x leaves room for box jitter at the boundary.
    passes.push({ kind: 'tiles', model: 'back', scaledWidth: Math.max(1, Math.round(width * scale)), scaledHeight: Math.max(1, Math.round(height * scale)), range: [lo, hi], maxFace: 1.5 * hi });
    lo = hi;
  }
  passes.push({ kind: 'whole', model: 'front', range: [frontFrom, Infinity], maxFace: Infinity, ifFaceOver: NEAR_CHECK_FRACTION * long });
  return passes;
}
