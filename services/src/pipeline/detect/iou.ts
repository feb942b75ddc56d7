/** Intersection over union of two boxes, as corners or as pixel boxes. */
import type { Box, RawDetection } from './types.js';

export type Corners = Pick<RawDetection, 'xmin' | 'ymin' | 'xmax' | 'ymax'>;

export function iou(a: Corners, b: Corners): number {
  const iw = Math.min(a.xmax, b.xmax) - Math.max(a.xmin, b.xmin);
  const ih = Math.min(a.ymax, b.ymax) - Math.max(a.ymin, b.ymin);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = (a.xmax - a.xmin) * (a.ymax - a.ymin) + (b.xmax - b.xmin) * (b.ymax - b.ymin) - inter;
  return union > 0 ? inter / union : 0;
}

export const corners = (b: Box): Corners => ({ xmin: b.x, ymin: b.y, xmax: b.x + b.width, ymax: b.y + b.height });

/** IoU of two pixel boxes. */
export function boxIou(a: Box, b: Box): number {
  return iou(corners(a), corners(b));
}
