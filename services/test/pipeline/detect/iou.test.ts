import t from 'tap';
import { boxIou, corners, iou } from '../../../src/pipeline/detect/iou.js';

t.test('IoU of corners and of pixel boxes', async (t) => {
  const a = { xmin: 0, ymin: 0, xmax: 2, ymax: 2 };
  t.equal(iou(a, a), 1, 'a box with itself');
  t.equal(iou(a, { xmin: 3, ymin: 0, xmax: 4, ymax: 2 }), 0, 'disjoint');
  t.equal(iou(a, { xmin: 2, ymin: 0, xmax: 4, ymax: 2 }), 0, 'touching edges');
  t.equal(iou(a, { xmin: 1, ymin: 0, xmax: 3, ymax: 2 }), 2 / 6, 'half overlap: 2 / (4 + 4 - 2)');
  t.same(corners({ x: 1, y: 2, width: 3, height: 4 }), { xmin: 1, ymin: 2, xmax: 4, ymax: 6 });
  t.equal(boxIou({ x: 0, y: 0, width: 10, height: 10 }, { x: 5, y: 0, width: 10, height: 10 }), 50 / 150);
});
