import t from 'tap';
import { letterbox, toImage, touchesCut, windowInput, type View } from '../../../src/pipeline/detect/view.js';
import type { RawDetection } from '../../../src/pipeline/detect/types.js';

const det = (xmin: number, ymin: number, xmax: number, ymax: number): RawDetection => ({ xmin, ymin, xmax, ymax, keypoints: new Array(12).fill(0.5), score: 0.9 });

t.test('windowInput copies a window scaled to [-1,1], black outside the image', async (t) => {
  // A 3x2 image whose pixel (x, y) has value 10 * (y * 3 + x) in every channel.
  const rgb = new Uint8Array(3 * 2 * 3).map((_, i) => 10 * Math.floor(i / 3));
  const w = windowInput(rgb, 3, 2, 1, -1, 3);
  const at = (u: number, v: number) => w[(v * 3 + u) * 3];
  t.equal(at(0, 0), -1, 'above the image: black');
  t.equal(at(0, 1), Math.fround(10 / 127.5 - 1), 'image pixel (1, 0)');
  t.equal(at(1, 2), Math.fround(50 / 127.5 - 1), 'image pixel (2, 1)');
  t.equal(at(2, 1), -1, 'right of the image: black');
});

t.test('letterbox: the image scaled into the square, centred; the view maps back to image pixels', async (t) => {
  const img = { data: Buffer.alloc(200 * 100 * 3, 255), width: 200, height: 100, format: 'raw' as const };
  const { input, view } = await letterbox(img, 128);
  t.equal(input.length, 128 * 128 * 3);
  t.equal(input[0], -1, 'bar above');
  t.equal(input[(64 * 128 + 64) * 3], 1, 'image in the middle');
  t.match(view, { size: 128, sx: 200 / 128, sy: 100 / 64, cut: [-1, -1, -1, -1] });
  const p = toImage(det(0, 0.25, 1, 0.75), view);
  t.ok(Math.abs(p.xmin) < 1e-9 && Math.abs(p.xmax - 200) < 1e-9, 'full width');
  t.ok(Math.abs(p.ymin) < 1e-9 && Math.abs(p.ymax - 100) < 1e-9, 'the band between the bars is the full height');
  t.same(p.keypoints.slice(0, 2), [100, 50], 'keypoints too');
});

t.test('touchesCut: only the edges where a tile cuts through the image count', async (t) => {
  const view: View = { size: 256, x0: 0, y0: 0, sx: 1, sy: 1, cut: [0, -1, 256, -1] };
  t.ok(touchesCut(det(0, 0.4, 0.1, 0.5), view), 'at the left cut');
  t.ok(touchesCut(det(0.9, 0.4, 1, 0.5), view), 'at the right cut');
  t.notOk(touchesCut(det(0.4, 0, 0.5, 0.1), view), 'at the top, where the image ends');
  t.notOk(touchesCut(det(0.4, 0.4, 0.5, 0.5), view), 'inside');
});
