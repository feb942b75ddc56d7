/**
 * A view is the square model input cut from an image: the whole image letterboxed (scaled to
 * fit, centred, black bars), or one tile of a scaled copy. It maps model-input pixels back to
 * image pixels, x = x0 + u * sx, y = y0 + v * sy, and says which part of the input shows the
 * image, so that detections cut by a tile's inner edge can be told apart.
 */
import sharp from 'sharp';
import type { DecodedImage } from '../decode.js';
import { KEYPOINTS, type RawDetection } from './types.js';

export interface View {
  /** Side of the square model input, in input pixels. */
  size: number;
  x0: number;
  y0: number;
  /** Image pixels per input pixel, per axis. */
  sx: number;
  sy: number;
  /**
   * Input pixels [left, top, right, bottom] at which the view cuts through the image (a tile's
   * edge inside the image); -1 on a side where the image itself ends.
   */
  cut: [number, number, number, number];
}

/**
 * Copies the `size` x `size` window at (x, y) of an RGB image into a model input (NHWC, pixels
 * scaled to [-1, 1]); pixels outside the image are black (-1).
 */
export function windowInput(rgb: Uint8Array, width: number, height: number, x: number, y: number, size: number): Float32Array {
  const input = new Float32Array(size * size * 3).fill(-1);
  const x1 = Math.min(width, x + size);
  for (let v = 0; v < size; v++) {
    const row = y + v;
    if (row < 0 || row >= height) continue;
    for (let px = Math.max(0, x); px < x1; px++) {
      const s = (row * width + px) * 3;
      const d = (v * size + (px - x)) * 3;
      input[d] = rgb[s] / 127.5 - 1;
      input[d + 1] = rgb[s + 1] / 127.5 - 1;
      input[d + 2] = rgb[s + 2] / 127.5 - 1;
    }
  }
  return input;
}

/** The whole image scaled to fit `size` x `size`, centred on black: input and view. */
export async function letterbox(img: DecodedImage, size: number): Promise<{ input: Float32Array; view: View }> {
  const { width: w, height: h } = img;
  const scale = Math.min(size / w, size / h);
  const nw = Math.max(1, Math.min(size, Math.round(w * scale)));
  const nh = Math.max(1, Math.min(size, Math.round(h * scale)));
  const left = Math.floor((size - nw) / 2);
  const top = Math.floor((size - nh) / 2);
  const resized = nw === w && nh === h ? img.data : await sharp(img.data, { raw: { width: w, height: h, channels: 3 } }).resize(nw, nh, { fit: 'fill' }).raw().toBuffer();
  const input = windowInput(resized, nw, nh, -left, -top, size);
  const sx = w / nw;
  const sy = h / nh;
  return { input, view: { size, x0: -left * sx, y0: -top * sy, sx, sy, cut: [-1, -1, -1, -1] } };
}

/** A detection in normalized input coordinates ([0,1] over the view) -> image pixels. */
export function toImage(d: RawDetection, view: View): RawDetection {
  const X = (n: number) => view.x0 + n * view.size * view.sx;
  const Y = (n: number) => view.y0 + n * view.size * view.sy;
  const keypoints: number[] = [];
  for (let k = 0; k < KEYPOINTS; k++) keypoints.push(X(d.keypoints[2 * k]), Y(d.keypoints[2 * k + 1]));
  return { xmin: X(d.xmin), ymin: Y(d.ymin), xmax: X(d.xmax), ymax: Y(d.ymax), keypoints, score: d.score };
}

/**
 * Whether a detection (normalized input coordinates) reaches within `margin` input pixels of an
 * edge where the view cuts through the image: the face may go on in the next tile.
 */
export function touchesCut(d: RawDetection, view: View, margin = 2): boolean {
  const [l, t, r, b] = view.cut;
  const s = view.size;
  return (l >= 0 && d.xmin * s <= l + margin) || (t >= 0 && d.ymin * s <= t + margin) || (r >= 0 && d.xmax * s >= r - margin) || (b >= 0 && d.ymax * s >= b - margin);
}
