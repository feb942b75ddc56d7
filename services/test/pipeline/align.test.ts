/** src/pipeline/align.ts: eye angle and rotated sampling. */
import t from 'tap';
import { eyeAngle, sampleRotated } from '../../src/pipeline/align.js';

t.test('alignment: eye angle and rotated sampling', async (t) => {
  const l = (rx: number, ry: number, lx: number, ly: number) => ({ box: { x: 0, y: 0, width: 10, height: 10 }, score: 1, landmarks: { rightEye: { x: rx, y: ry }, leftEye: { x: lx, y: ly }, noseTip: { x: 0, y: 0 }, mouth: { x: 0, y: 0 }, rightEar: { x: 0, y: 0 }, leftEar: { x: 0, y: 0 } } });
  t.equal(eyeAngle(l(0, 0, 10, 0)), 0);
  t.ok(Math.abs(eyeAngle(l(0, 0, 10, 10)) - Math.PI / 4) < 1e-12);
  t.ok(Math.abs(eyeAngle(l(10, 10, 0, 0)) - Math.PI / 4) < 1e-12, 'from the image-left eye whichever it is');
  // A 4x4 image whose left half is black and right half white, sampled rotated by 180°.
  const data = Buffer.alloc(4 * 4 * 3);
  for (let y = 0; y < 4; y++) for (let x = 2; x < 4; x++) data.fill(255, (y * 4 + x) * 3, (y * 4 + x) * 3 + 3);
  const img = { data, width: 4, height: 4, format: 'raw' as const };
  const same = sampleRotated(img, 2, 2, 4, 4, 0, { width: 4, height: 4, channels: 1, faceMargin: 0 });
  t.same(Array.from(same.subarray(0, 4)), [0, 0, 255, 255], 'identity sampling copies pixels');
  const flipped = sampleRotated(img, 2, 2, 4, 4, Math.PI, { width: 4, height: 4, channels: 1, faceMargin: 0 });
  t.same(Array.from(flipped.subarray(0, 4)), [255, 255, 0, 0], 'rotated by 180°');
});
