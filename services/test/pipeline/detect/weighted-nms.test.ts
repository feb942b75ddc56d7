import t from 'tap';
import { weightedNms } from '../../../src/pipeline/detect/weighted-nms.js';
import type { RawDetection } from '../../../src/pipeline/detect/types.js';

const d = (x: number, score: number): RawDetection => ({ xmin: x, ymin: 0, xmax: x + 1, ymax: 1, keypoints: new Array(12).fill(x), score });

t.test('weighted NMS merges overlapping detections into their score-weighted mean', async (t) => {
  const merged = weightedNms([d(0, 0.9), d(0.1, 0.6), d(5, 0.7)], 0.3);
  t.equal(merged.length, 2);
  t.equal(merged[0].score, 0.9, 'the best score is kept');
  t.ok(Math.abs(merged[0].xmin - (0 * 0.9 + 0.1 * 0.6) / 1.5) < 1e-9, 'boxes are score-weighted means');
  t.ok(Math.abs(merged[0].keypoints[0] - 0.04) < 1e-9, 'keypoints too');
  t.equal(merged[1].xmin, 5, 'a separate box stays as it is');
  t.same(weightedNms([]), []);
  t.equal(weightedNms([d(0, 0.9), d(0.5, 0.8)], 0.5).length, 2, 'IoU 1/3 is under a threshold of 0.5');
});
