import type { Rng } from './rng.js';
import { resizeAffine, sampleAffine, type Affine } from './resample.js';
import { sameGeometry, type ImageGeometry } from './sample.js';

/** Random training transforms; each can be turned off (a zero range, probability 0). */
export interface AugmentOptions {
  /** Area fraction of the random crop, drawn uniformly. */
  cropScale: readonly [number, number];
  /** Aspect ratio (w/h) of the crop, drawn log-uniformly. */
  cropRatio: readonly [number, number];
  /** Probability of a horizontal flip. */
  flip: number;
  /** Largest rotation, degrees either way. */
  rotateDegrees: number;
  /** Brightness factor drawn from 1 ± brightness. */
  brightness: number;
  /** Contrast factor (about the image mean) drawn from 1 ± contrast. */
  contrast: number;
}

export const DEFAULT_AUGMENT: AugmentOptions = {
  cropScale: [0.8, 1],
  cropRatio: [0.9, 1.1],
  flip: 0.5,
  rotateDegrees: 10,
  brightness: 0.2,
  contrast: 0.2,
};

/**
 * The evaluation transform: the stored image brought to the model's geometry by a deterministic
 * stretch, and a plain copy (the identity) when the geometries already agree.
 */
export function evalTransform(src: Uint8Array, sg: ImageGeometry, dst: Uint8Array, dg: ImageGeometry): void {
  if (sameGeometry(sg, dg)) dst.set(src);
  else sampleAffine(src, sg, dst, dg, resizeAffine(sg, dg));
}

/**
 * The training transform: random resized crop, horizontal flip and small rotation in one
 * bilinear resampling, then brightness/contrast jitter. Uses only `rng`, so it is repeatable.
 */
export function augmentTransform(src: Uint8Array, sg: ImageGeometry, dst: Uint8Array, dg: ImageGeometry, rng: Rng, opts: AugmentOptions = DEFAULT_AUGMENT): void {
  sampleAffine(src, sg, dst, dg, randomAffine(sg, dg, rng, opts));
  jitter(dst, rng.uniform(1 - opts.brightness, 1 + opts.brightness), rng.uniform(1 - opts.contrast, 1 + opts.contrast));
}

function randomAffine(sg: ImageGeometry, dg: ImageGeometry, rng: Rng, o: AugmentOptions): Affine {
  const scale = rng.uniform(o.cropScale[0], o.cropScale[1]);
  const ratio = Math.exp(rng.uniform(Math.log(o.cropRatio[0]), Math.log(o.cropRatio[1])));
  const cw = Math.min(sg.width, sg.width * Math.sqrt(scale * ratio));
  const ch = Math.min(sg.height, sg.height * Math.sqrt(scale / ratio));
  const cx = rng.uniform(cw / 2, sg.width - cw / 2);
  const cy = rng.uniform(ch / 2, sg.height - ch / 2);
  const flip = rng.chance(o.flip) ? -1 : 1;
  const theta = (rng.uniform(-o.rotateDegrees, o.rotateDegrees) * Math.PI) / 180;
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  // destination pixel (x, y) -> offset from the crop centre in source pixels -> rotate -> source
  const kx = (flip * cw) / dg.width;
  const ky = ch / dg.height;
  const ox = -((dg.width - 1) / 2) * kx;
  const oy = -((dg.height - 1) / 2) * ky;
  const bx = cx - 0.5;
  const by = cy - 0.5;
  return [cos * kx, -sin * ky, cos * ox - sin * oy + bx, sin * kx, cos * ky, sin * ox + cos * oy + by];
}

/** In place: contrast about the mean, then brightness, clamped to 0..255. */
function jitter(px: Uint8Array, brightness: number, contrast: number): void {
  let sum = 0;
  for (let i = 0; i < px.length; i++) sum += px[i];
  const mean = sum / px.length;
  for (let i = 0; i < px.length; i++) {
    const v = ((px[i] - mean) * contrast + mean) * brightness;
    px[i] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
  }
}
