/**
 * SSD anchor centres as MediaPipe's SsdAnchorsCalculator makes them for BlazeFace, with
 * aspect_ratios [1.0], interpolated_scale_aspect_ratio 1.0 and fixed_anchor_size (every anchor
 * is 1x1, so only the centres matter).
 */

export interface AnchorOptions {
  inputSize: number;
  minScale: number;
  maxScale: number;
  strides: readonly number[];
  anchorOffset: number;
}

/** MediaPipe face_detection_short_range (front camera, 128x128). */
export const FRONT_ANCHORS: AnchorOptions = { inputSize: 128, minScale: 0.1484375, maxScale: 0.75, strides: [8, 16, 16, 16], anchorOffset: 0.5 };
/** MediaPipe face_detection back camera (256x256). */
export const BACK_ANCHORS: AnchorOptions = { inputSize: 256, minScale: 0.15625, maxScale: 0.75, strides: [16, 32, 32, 32], anchorOffset: 0.5 };

/**
 * Layers that share a stride share one grid, with two anchors per layer per cell.
 * Returns [x0, y0, x1, y1, ...] in [0,1].
 */
export function ssdAnchors(o: AnchorOptions = FRONT_ANCHORS): Float32Array {
  const centres: number[] = [];
  let layer = 0;
  while (layer < o.strides.length) {
    let last = layer;
    let perCell = 0;
    while (last < o.strides.length && o.strides[last] === o.strides[layer]) {
      perCell += 2; // one for aspect ratio 1.0, one for the interpolated scale
      last++;
    }
    const stride = o.strides[layer];
    const fm = Math.ceil(o.inputSize / stride);
    for (let y = 0; y < fm; y++) {
      for (let x = 0; x < fm; x++) {
        for (let a = 0; a < perCell; a++) centres.push((x + o.anchorOffset) / fm, (y + o.anchorOffset) / fm);
      }
    }
    layer = last;
  }
  return Float32Array.from(centres);
}
