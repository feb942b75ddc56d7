import type { ImageGeometry } from './sample.js';

/**
 * An affine map from destination pixel coordinates to source coordinates (pixel centres at
 * integer positions): u = a*x + b*y + c, v = d*x + e*y + f.
 */
export type Affine = readonly [a: number, b: number, c: number, d: number, e: number, f: number];

/**
 * Fills `dst` (HWC uint8 of `dg`) by sampling `src` (HWC uint8 of `sg`) bilinearly at the affine
 * image of each destination pixel; coordinates outside the source repeat the border. A 1-channel
 * source fills every channel of a 3-channel destination.
 */
export function sampleAffine(src: Uint8Array, sg: ImageGeometry, dst: Uint8Array, dg: ImageGeometry, m: Affine): void {
  if (sg.channels !== dg.channels && sg.channels !== 1) {
    throw new Error(`cannot sample ${sg.channels}-channel images into ${dg.channels} channels`);
  }
  const [a, b, c, d, e, f] = m;
  const sw = sg.width;
  const sh = sg.height;
  const sc = sg.channels;
  const dc = dg.channels;
  const maxU = sw - 1;
  const maxV = sh - 1;
  let o = 0;
  for (let y = 0; y < dg.height; y++) {
    for (let x = 0; x < dg.width; x++) {
      let u = a * x + b * y + c;
      let v = d * x + e * y + f;
      u = u < 0 ? 0 : u > maxU ? maxU : u;
      v = v < 0 ? 0 : v > maxV ? maxV : v;
      const u0 = Math.floor(u);
      const v0 = Math.floor(v);
      const u1 = u0 < maxU ? u0 + 1 : u0;
      const v1 = v0 < maxV ? v0 + 1 : v0;
      const fu = u - u0;
      const fv = v - v0;
      const i00 = (v0 * sw + u0) * sc;
      const i01 = (v0 * sw + u1) * sc;
      const i10 = (v1 * sw + u0) * sc;
      const i11 = (v1 * sw + u1) * sc;
      for (let ch = 0; ch < dc; ch++) {
        const k = sc === 1 ? 0 : ch;
        const top = src[i00 + k] + (src[i01 + k] - src[i00 + k]) * fu;
        const bottom = src[i10 + k] + (src[i11 + k] - src[i10 + k]) * fu;
        dst[o++] = Math.round(top + (bottom - top) * fv);
      }
    }
  }
}

/** The affine map that stretches the whole source onto the whole destination. */
export function resizeAffine(sg: Pick<ImageGeometry, 'height' | 'width'>, dg: Pick<ImageGeometry, 'height' | 'width'>): Affine {
  const sx = sg.width / dg.width;
  const sy = sg.height / dg.height;
  return [sx, 0, 0.5 * sx - 0.5, 0, sy, 0.5 * sy - 0.5];
}
