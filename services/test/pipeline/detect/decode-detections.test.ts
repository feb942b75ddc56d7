import t from 'tap';
import { decodeDetections, REGRESSORS } from '../../../src/pipeline/detect/decode-detections.js';

t.test('regressors decode against the anchor centres; low scores are dropped', async (t) => {
  t.equal(REGRESSORS, 16, 'box (4) and six keypoints (12) per anchor');
  const anchors = Float32Array.from([0.5, 0.5, 0.25, 0.25]);
  const boxes = new Float32Array(32);
  // Centre shifted by 0.1 (12.8 of 128), 0.5 x 0.25 in size; first keypoint 6.4 px right of the anchor.
  boxes.set([12.8, 0, 64, 32, 6.4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 0);
  const dets = decodeDetections([3, -3], boxes, anchors, 128, 0.5);
  t.equal(dets.length, 1, 'the score under the threshold is dropped');
  t.ok(Math.abs(dets[0].xmin - 0.35) < 1e-6 && Math.abs(dets[0].xmax - 0.85) < 1e-6 && Math.abs(dets[0].ymin - 0.375) < 1e-6);
  t.ok(Math.abs(dets[0].keypoints[0] - 0.55) < 1e-6 && dets[0].keypoints[1] === 0.5, 'keypoints are offsets from the anchor');
  t.ok(Math.abs(dets[0].score - 1 / (1 + Math.exp(-3))) < 1e-9, 'sigmoid score');
  const degenerate = new Float32Array(16); // zero width
  t.same(decodeDetections([5], degenerate, Float32Array.from([0.5, 0.5]), 128, 0.5), [], 'an empty box is no detection');
});
