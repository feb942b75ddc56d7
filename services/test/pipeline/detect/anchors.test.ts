import t from 'tap';
import { BACK_ANCHORS, FRONT_ANCHORS, ssdAnchors } from '../../../src/pipeline/detect/anchors.js';

t.test('SSD anchors as MediaPipe makes them', async (t) => {
  const a = ssdAnchors(FRONT_ANCHORS);
  t.equal(a.length / 2, 896, '896 anchors for the 128x128 model');
  t.same([a[0], a[1], a[2], a[3]], [0.5 / 16, 0.5 / 16, 0.5 / 16, 0.5 / 16], 'two anchors per cell on the 16x16 grid');
  t.same([a[4], a[5]], [1.5 / 16, 0.5 / 16]);
  const second = 512 * 2;
  t.same([a[second], a[second + 1]], [0.5 / 8, 0.5 / 8], 'then the 8x8 grid, six per cell');
  t.same([a[second + 10], a[second + 11], a[second + 12]], [0.5 / 8, 0.5 / 8, 1.5 / 8]);
  const b = ssdAnchors(BACK_ANCHORS);
  t.equal(b.length / 2, 896, '896 anchors for the 256x256 model too');
  t.same([b[0], b[1]], [0.5 / 16, 0.5 / 16], 'the back model starts on a 16x16 grid (stride 16 of 256)');
  t.ok(Array.from(b).every((v) => v > 0 && v < 1), 'every centre inside the input');
});
