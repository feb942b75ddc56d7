/**
 * Stage 3: face region -> model-sized 8-bit crop (HWC, `spec.channels` per pixel).
 * A detected face is cropped as a square around its box, grown by `faceMargin` of the box on
 * each side, rotated about its centre so that the eyes are level, and resampled to the model's
 * input size (bilinear, averaged over up to 4x4 samples per output pixel when shrinking). Pixels
 * outside the image repeat the nearest edge. Grayscale models get the shared `grayLevel`
 * (BT.601 luma, shared/src/image/gray.ts), the conversion the trainer uses.
 * A whole-image region (no detection, or detect=never) becomes the input by the shared
 * `imageToInput`, exactly as the trainer turns an image file into a training sample.
 */
import { grayLevel, type PreprocessingSpec } from '@amft/shared';
import { imageToInput } from '@amft/shared/image';
import type { DecodedImage } from './decode.js';
import type { FaceRegion } from './detect/index.js';

export type CropSpec = Pick<PreprocessingSpec, 'height' | 'width' | 'channels' | 'faceMargin'>;

/** Roll angle (radians) that levels the eyes, from the image-left eye to the image-right eye. */
export function eyeAngle(region: FaceRegion): number {
  const l = region.landmarks;
  if (!l) return 0;
  const [a, b] = l.rightEye.x <= l.leftEye.x ? [l.rightEye, l.leftEye] : [l.leftEye, l.rightEye];
  return Math.atan2(b.y - a.y, b.x - a.x);
}

/** Crop, level and resize a detected face. */
export function alignFace(img: DecodedImage, region: FaceRegion, spec: CropSpec): Uint8Array {
  const { box } = region;
  const side = Math.max(box.width, box.height) * (1 + 2 * spec.faceMargin);
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  return sampleRotated(img, cx, cy, side, side, eyeAngle(region), spec);
}

/** The whole image as the face: resized to the model input, channels converted. */
export function wholeImageCrop(img: DecodedImage, spec: CropSpec): Promise<Uint8Array> {
  return imageToInput(img, spec);
}

/** Crops any face region: detected faces are aligned, whole-image regions resized. */
export async function cropFace(img: DecodedImage, region: FaceRegion, spec: CropSpec): Promise<Uint8Array> {
  // A region without a detector score is the whole image (see locateFaces).
  return region.score === null ? wholeImageCrop(img, spec) : alignFace(img, region, spec);
}

/**
 * Samples a `srcW` x `srcH` rectangle centred on (cx, cy) and rotated by `angle` into an
 * `spec.width` x `spec.height` crop.
 */
export function sampleRotated(img: DecodedImage, cx: number, cy: number, srcW: number, srcH: number, angle: number, spec: CropSpec): Uint8Array {
  const { width: W, height: H, channels: C } = spec;
  const out = new Uint8Array(W * H * C);
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const stepX = srcW / W;
  const stepY = srcH / H;
  const ss = Math.max(1, Math.min(4, Math.ceil(Math.max(stepX, stepY))));
  const iw = img.width;
  const ih = img.height;
  const data = img.data;
  const rgb = [0, 0, 0];
  const bilinear = (x: number, y: number) => {
    // Pixel centres sit at integer + 0.5: shift to index space, clamp to the edges.
    const fx = Math.min(iw - 1, Math.max(0, x - 0.5));
    const fy = Math.min(ih - 1, Math.max(0, y - 0.5));
    const x0 = Math.floor(fx);
    const y0 = Math.floor(fy);
    const x1 = Math.min(iw - 1, x0 + 1);
    const y1 = Math.min(ih - 1, y0 + 1);
    const ax = fx - x0;
    const ay = fy - y0;
    const i00 = (y0 * iw + x0) * 3;
    const i01 = (y0 * iw + x1) * 3;
    const i10 = (y1 * iw + x0) * 3;
    const i11 = (y1 * iw + x1) * 3;
    for (let c = 0; c < 3; c++) {
      const top = data[i00 + c] + (data[i01 + c] - data[i00 + c]) * ax;
      const bot = data[i10 + c] + (data[i11 + c] - data[i10 + c]) * ax;
      rgb[c] += top + (bot - top) * ay;
    }
  };
  const n = ss * ss;
  for (let v = 0; v < H; v++) {
    for (let u = 0; u < W; u++) {
      rgb[0] = rgb[1] = rgb[2] = 0;
      for (let sy = 0; sy < ss; sy++) {
        for (let sx = 0; sx < ss; sx++) {
          // Offset from the crop centre in source pixels, before rotation.
          const dx = (u + (sx + 0.5) / ss - W / 2) * stepX;
          const dy = (v + (sy + 0.5) / ss - H / 2) * stepY;
          bilinear(cx + dx * cos - dy * sin, cy + dx * sin + dy * cos);
        }
      }
      const o = (v * W + u) * C;
      if (C === 1) out[o] = grayLevel(rgb[0] / n, rgb[1] / n, rgb[2] / n);
      else for (let c = 0; c < 3; c++) out[o + c] = Math.round(rgb[c] / n);
    }
  }
  return out;
}
