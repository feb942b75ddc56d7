/**
 * Composed group pictures (fixtures/group-picture.ts): copies of a face pasted at known places
 * and sizes onto a large background. With faces=all every face from 40 px up is found, its box
 * within IoU 0.5 of the true one, and nothing else; faces=near (the old default) misses the small
 * ones, which is why it is not the default.
 */
import t, { type Test } from 'tap';
import { boxIou } from '../../../src/pipeline/detect/iou.js';
import { dropContained, findFaces, type FoundFaces } from '../../../src/pipeline/detect/find-faces.js';
import type { Box, RawDetection } from '../../../src/pipeline/detect/types.js';
import { groupPicture, matchBoxes, rows } from '../../fixtures/group-picture.js';
import { openTestDetectors } from '../../fixtures/detectors.js';
import { HAVE_DATA, NO_DATA_REASON } from '../../fixtures/helpers.js';

/** Every true face found once (IoU >= 0.5 with its box), and nothing else. */
function everyFaceOnce(t: Test, name: string, found: FoundFaces, truth: Box[]): void {
  const m = matchBoxes(
    found.faces.map((f) => f.box),
    truth,
    boxIou,
  );
  t.same(
    m.missed.map((b) => b.width),
    [],
    `${name}: every face found (${found.runs} detector runs)`,
  );
  t.same(m.extra, [], `${name}: nothing extra`);
  t.ok(
    m.ious.every((v) => v >= 0.5),
    `${name}: IoU ${Math.min(...m.ious).toFixed(2)} at worst`,
  );
}

t.test('dropContained: of two nested boxes the more confident stays', async (t) => {
  const d = (x0: number, y0: number, x1: number, y1: number, score = 0.9): RawDetection => ({ xmin: x0, ymin: y0, xmax: x1, ymax: y1, keypoints: [], score });
  const big = d(0, 0, 100, 100);
  const part = d(50, 50, 90, 90, 0.7);
  const neighbour = d(90, 0, 150, 60);
  t.same(dropContained([part, big, neighbour]), [big, neighbour], 'a part-face inside a face goes; the neighbour overlaps a sixth of itself and stays');
  const poor = d(0, 0, 200, 200, 0.6);
  const face = d(40, 40, 100, 100, 0.85);
  t.same(dropContained([poor, face]), [face], 'a poor large box around a confident face goes');
});

t.test('composed group pictures', { skip: HAVE_DATA ? false : NO_DATA_REASON }, async (t) => {
  const det = await openTestDetectors();
  t.teardown(() => det.close());
  const cases: [string, number, number, number[]][] = [
    ['640x480, 40 to 150 px', 640, 480, [40, 48, 64, 100, 150]],
    ['1280x720, ten faces of 90 to 170 px', 1280, 720, [90, 100, 110, 120, 130, 140, 150, 160, 170, 95]],
    ['2400x1600, 40 to 400 px', 2400, 1600, [40, 48, 56, 64, 80, 100, 130, 170, 220, 300, 400]],
    ['2048x1536 group selfie: one near face, five behind', 2048, 1536, [100, 100, 800, 100, 100, 100]],
  ];
  for (const [name, w, h, sizes] of cases) {
    const { raw, truth } = await groupPicture(w, h, rows(w, h, sizes), sizes.length);
    const img = { data: raw, width: w, height: h, format: 'raw' as const };
    const all = await findFaces(img, det, { strategy: 'all', minFaceSize: 40 });
    everyFaceOnce(t, name, all, truth);
    for (const f of all.faces) t.ok(f.landmarks.rightEye.x > f.box.x - 5 && f.landmarks.leftEye.x < f.box.x + f.box.width + 5, `${name}: landmarks in their face's box`);
    if (name.startsWith('2400')) {
      const near = await findFaces(img, det, { strategy: 'near', minFaceSize: 40 });
      t.equal(near.runs, 1, 'near: one pass');
      t.ok(near.faces.length < truth.length / 2, `near finds only the large faces (${near.faces.length} of ${truth.length})`);
      const bigOnly = await findFaces(img, det, { strategy: 'all', minFaceSize: 150 });
      const big = matchBoxes(
        bigOnly.faces.map((f) => f.box),
        truth.filter((b) => b.width >= 150),
        boxIou,
      );
      t.same(big.missed, [], 'minFaceSize 150: every face from 150 px');
      t.ok(
        bigOnly.faces.every((f) => f.box.width >= 0.75 * 150),
        'none under 0.75 x 150',
      );
      t.ok(bigOnly.runs < all.runs, `and fewer runs (${bigOnly.runs} vs ${all.runs})`);
    }
  }
});

t.test('a 4096x3072 photo: faces from 40 px found', { skip: HAVE_DATA ? false : NO_DATA_REASON }, async (t) => {
  const det = await openTestDetectors();
  t.teardown(() => det.close());
  const sizes = [40, 44, 52, 60, 72, 90, 120, 160, 200, 260, 330, 400];
  const { raw, truth } = await groupPicture(4096, 3072, rows(4096, 3072, sizes), 7);
  const r = await findFaces({ data: raw, width: 4096, height: 3072, format: 'raw' }, det, { strategy: 'all', minFaceSize: 40 });
  everyFaceOnce(t, '4096x3072', r, truth);
});

t.test('a near face, up to filling the frame, is found once (the front pass joins in)', { skip: HAVE_DATA ? false : NO_DATA_REASON }, async (t) => {
  const det = await openTestDetectors();
  t.teardown(() => det.close());
  for (const [w, h] of [
    [300, 300],
    [640, 480],
  ]) {
    for (const frac of [0.5, 0.7, 0.9, 1]) {
      const size = Math.round(frac * Math.min(w, h));
      const { raw, truth } = await groupPicture(w, h, [{ cx: w / 2, cy: h / 2, size }], 3);
      const r = await findFaces({ data: raw, width: w, height: h, format: 'raw' }, det, { strategy: 'all', minFaceSize: 40 });
      everyFaceOnce(t, `${w}x${h}, a ${size} px face`, r, truth);
      if (size > 0.4 * Math.max(w, h)) t.equal(r.runs, 2, `${w}x${h}, a ${size} px face: back and front passes`);
    }
  }
});
