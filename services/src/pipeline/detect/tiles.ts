/**
 * Tiling: a large image, scaled so that the smallest face wanted is as large as the detector
 * finds reliably, cut into model-sized square tiles that overlap by more than the largest face
 * a tile is relied on for. Every such face then lies whole inside at least one tile; detections
 * that touch a tile's inner edge are left to the neighbouring tile.
 */
import type { View } from './view.js';

/**
 * Start positions of tiles of side `tile` along a side of `length` pixels, evenly spread from 0
 * to `length - tile`, adjacent tiles overlapping by at least `overlap`. One tile at 0 when the
 * side fits in one tile.
 */
export function tileStarts(length: number, tile: number, overlap: number): number[] {
  if (length <= tile) return [0];
  const stride = tile - overlap;
  if (stride <= 0) throw new RangeError(`tile overlap ${overlap} leaves no stride in a tile of ${tile}`);
  const n = Math.ceil((length - tile) / stride) + 1;
  return Array.from({ length: n }, (_, i) => Math.round((i * (length - tile)) / (n - 1)));
}

/** The grid of tiles over a `width` x `height` image: the top-left corner of each. */
export function tileGrid(width: number, height: number, tile: number, overlap: number): { x: number; y: number }[] {
  const xs = tileStarts(width, tile, overlap);
  const ys = tileStarts(height, tile, overlap);
  return ys.flatMap((y) => xs.map((x) => ({ x, y })));
}

/**
 * The view of the tile at (x, y) of an image scaled to `scaledW` x `scaledH` from
 * `width` x `height`: input pixels back to original image pixels, and the tile's inner edges.
 */
export function tileView(x: number, y: number, tile: number, width: number, height: number, scaledW: number, scaledH: number): View {
  const sx = width / scaledW;
  const sy = height / scaledH;
  const cut: View['cut'] = [x > 0 ? 0 : -1, y > 0 ? 0 : -1, x + tile < scaledW ? tile : -1, y + tile < scaledH ? tile : -1];
  return { size: tile, x0: x * sx, y0: y * sy, sx, sy, cut };
}
