/**
 * The detect policy: no face means no face. detect=auto takes the whole image as the face only
 * when the image is crop-sized (long side at most twice the expression model's input side).
 */
import t from 'tap';
import { locateFaces } from '../../../src/pipeline/detect/locate.js';
import { background } from '../../fixtures/group-picture.js';
import { openTestDetectors } from '../../fixtures/detectors.js';

const det = await openTestDetectors();
t.teardown(() => det.close());
const opts = { strategy: 'all' as const, minFaceSize: 40, cropSide: 96 };
const image = (w: number, h: number) => ({ data: background(w, h, 3), width: w, height: h, format: 'raw' as const });

t.test('auto: a crop-sized image without a face is the face', async (t) => {
  for (const [w, h] of [
    [48, 48],
    [96, 60],
  ]) {
    const r = await locateFaces(image(w, h), 'auto', det, opts);
    t.equal(r.detection, 'none-found-whole-image', `${w}x${h}`);
    t.same(r.faces, [{ box: { x: 0, y: 0, width: w, height: h }, score: null }]);
  }
});

t.test('auto: a larger picture without a face has no face', async (t) => {
  for (const [w, h] of [
    [97, 60],
    [199, 148],
    [640, 480],
    [1600, 1200],
  ]) {
    const r = await locateFaces(image(w, h), 'auto', det, opts);
    t.equal(r.detection, 'none-found', `${w}x${h}`);
    t.same(r.faces, [], `${w}x${h}: zero faces`);
  }
});

t.test('always: zero faces whatever the size; never: the image is the face', async (t) => {
  t.match(await locateFaces(image(48, 48), 'always', det, opts), { detection: 'none-found', faces: [] });
  t.match(await locateFaces(image(640, 480), 'never', undefined, opts), { detection: 'whole-image', faces: [{ box: { width: 640, height: 480 }, score: null }] });
  await t.rejects(locateFaces(image(48, 48), 'auto', undefined, opts), /needs the face detectors/);
});
