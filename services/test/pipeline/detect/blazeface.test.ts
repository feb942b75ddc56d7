import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { bundledDetectorPath, FaceDetector } from '../../../src/pipeline/detect/blazeface.js';
import { letterbox, toImage } from '../../../src/pipeline/detect/view.js';
import { boxIou } from '../../../src/pipeline/detect/iou.js';
import { decodeImage } from '../../../src/pipeline/decode.js';
import { makeModel } from '../../fixtures/make-model.js';
import { ASTRONAUT_FACE } from '../../fixtures/group-picture.js';
import { ASTRONAUT, HAVE_DATA, NO_DATA_REASON } from '../../fixtures/helpers.js';

t.test('both bundled models open, with their input sizes', async (t) => {
  for (const [v, size] of [['front', 128], ['back', 256]] as const) {
    t.ok(existsSync(bundledDetectorPath(v)), `${v} model file`);
    const d = await FaceDetector.open(bundledDetectorPath(v), { device: 'cpu', threads: 1 }, { minScore: 0.5 });
    t.teardown(() => d.release());
    t.equal(d.inputSize, size);
    t.equal(d.name, `blazeface-${size}`);
    t.same(await d.run(new Float32Array(size * size * 3)), [], 'a black input has no face');
    await t.rejects(d.run(new Float32Array(10)), /input has \d+ values, got 10/);
  }
});

t.test('a model that is not BlazeFace is refused', async (t) => {
  await t.rejects(FaceDetector.open(`${makeModel().dir}/model.onnx`, { device: 'cpu', threads: 1 }, { minScore: 0.5 }), /is not a BlazeFace model/);
});

t.test('the astronaut: one face where it is, by both models', { skip: HAVE_DATA ? false : NO_DATA_REASON }, async (t) => {
  const img = await decodeImage(readFileSync(ASTRONAUT), { maxPixels: 1e7, name: 'astronaut' });
  for (const v of ['front', 'back'] as const) {
    const d = await FaceDetector.open(bundledDetectorPath(v), { device: 'cpu', threads: 1 }, { minScore: 0.5 });
    t.teardown(() => d.release());
    const { input, view } = await letterbox(img, d.inputSize);
    const dets = (await d.run(input)).map((x) => toImage(x, view));
    t.equal(dets.length, 1, `${v}: one face`);
    const b = { x: dets[0].xmin, y: dets[0].ymin, width: dets[0].xmax - dets[0].xmin, height: dets[0].ymax - dets[0].ymin };
    t.ok(boxIou(b, ASTRONAUT_FACE) >= 0.8, `${v}: IoU ${boxIou(b, ASTRONAUT_FACE).toFixed(2)} with the known face box`);
    t.ok(dets[0].score > 0.8, `${v}: score ${dets[0].score.toFixed(2)}`);
  }
});
