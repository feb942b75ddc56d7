/**
 * MediaPipe's WEIGHTED non-maximum suppression (NonMaxSuppressionCalculator): take the best
 * remaining detection, gather every remaining one overlapping it by more than `threshold` IoU
 * (itself included), and replace them by their score-weighted mean box and keypoints, keeping
 * the best score. Used within one detector pass and again over the passes of a strategy.
 */
import { iou } from './iou.js';
import type { RawDetection } from './types.js';

export function weightedNms(dets: readonly RawDetection[], threshold = 0.3): RawDetection[] {
  let remaining = [...dets].sort((a, b) => b.score - a.score);
  const out: RawDetection[] = [];
  while (remaining.length > 0) {
    const top = remaining[0];
    const group: RawDetection[] = [];
    const rest: RawDetection[] = [];
    for (const d of remaining) (iou(top, d) > threshold ? group : rest).push(d);
    if (group.length === 0) group.push(top);
    let total = 0;
    const acc = { xmin: 0, ymin: 0, xmax: 0, ymax: 0, keypoints: new Array<number>(top.keypoints.length).fill(0) };
    for (const d of group) {
      total += d.score;
      acc.xmin += d.xmin * d.score;
      acc.ymin += d.ymin * d.score;
      acc.xmax += d.xmax * d.score;
      acc.ymax += d.ymax * d.score;
      d.keypoints.forEach((v, k) => (acc.keypoints[k] += v * d.score));
    }
    out.push({
      xmin: acc.xmin / total,
      ymin: acc.ymin / total,
      xmax: acc.xmax / total,
      ymax: acc.ymax / total,
      keypoints: acc.keypoints.map((v) => v / total),
      score: top.score,
    });
    remaining = rest.length === remaining.length ? remaining.slice(1) : rest;
  }
  return out;
}
