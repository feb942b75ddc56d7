/**
 * A trainer export with `--tta flip` and a temperature, served by the real service: /predict's
 * probabilities are softmax(mean(logits(x), logits(mirror x)) / T) of the TensorFlow.js model
 * (the service does nothing of its own for either), /v1/model shows `tta` and `calibration`,
 * and /evaluate's `ece` is the shared ECE of those probabilities.
 */
import t from 'tap';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { LABELS, expectedCalibrationError, normalizePixels, softmax } from '@amft/shared';
import { exportCheckpoint } from '../../trainer/src/export/index.js';
import { buildModel, resolveModelConfig } from '../../trainer/src/model/index.js';
import { randomizeWeights } from '../../trainer/test/export/helpers.js';
import { startTestServer } from '../../services/test/fixtures/helpers.js';
import { cpuBackend } from '../../trainer/test/cpu-backend.js';

/** Max |Δ| between the served probabilities and the TensorFlow.js reference. */
const PROBABILITY_TOLERANCE = 1e-4;
const TEMPERATURE = 1.7;

await cpuBackend();
const dir = await mkdtemp(join(tmpdir(), 'amft-tta-e2e-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));

const cfg = resolveModelConfig('lite', {});
const model = buildModel(cfg);
randomizeWeights(model, 101, tf.randomNormal([2, 48, 48, 1], 0, 1, 'float32', 101));
const calibration = { temperature: TEMPERATURE, split: 'made', count: 1, eceBefore: 0.1, eceAfter: 0.05, nllBefore: 1, nllAfter: 0.9 };
await exportCheckpoint(model, cfg, dir, { createdAt: '2025-01-01T00:00:00.000Z' }, { tta: 'flip', calibration, tfjs: false });

const server = await startTestServer({ modelDir: dir });
t.teardown(() => server.close());

/** A 48x48 gray face-sized image, bright on the left (so its mirror differs). */
const pixels = Buffer.alloc(48 * 48);
for (let y = 0; y < 48; y++) for (let x = 0; x < 48; x++) pixels[y * 48 + x] = Math.max(0, 220 - 4 * x) + ((x * 7 + y * 13) % 23);
const png = await sharp(pixels, { raw: { width: 48, height: 48, channels: 1 } }).png().toBuffer();

/** The reference: tfjs logits of the image and its mirror, averaged, over T; and without TTA or T. */
function reference(): { calibrated: number[]; plain: number[] } {
  return tf.tidy(() => {
    const x = tf.tensor4d(normalizePixels(pixels, cfg.preprocessing, 'hwc'), [1, 48, 48, 1]);
    const a = (model.predict(x) as tf.Tensor).dataSync();
    const b = (model.predict(tf.reverse(x, 2)) as tf.Tensor).dataSync();
    const mean = Array.from(a, (v, i) => (v + b[i]) / 2);
    return { calibrated: softmax(mean.map((v) => v / TEMPERATURE)), plain: softmax(Array.from(a)) };
  });
}

t.test('the service serves the flip + temperature graph as exported', async (t) => {
  const r = await server.client.post('/predict?detect=never', png, { 'content-type': 'image/png' });
  t.equal(r.status, 200);
  const probs = r.body.results[0].faces[0].expression.probabilities as Record<string, number>;
  const served = LABELS.map((l) => probs[l]);
  const { calibrated, plain } = reference();
  const d = Math.max(...served.map((p, i) => Math.abs(p - calibrated[i])));
  t.ok(d <= PROBABILITY_TOLERANCE, `served vs tfjs softmax(mean of flips / T): max |Δ| ${d.toExponential(2)}`);
  t.ok(Math.max(...served.map((p, i) => Math.abs(p - plain[i]))) > 1e-3, 'and not the plain softmax(logits) (the test could fail)');

  const info = await server.client.get('/v1/model');
  t.equal(info.body.tta, 'flip');
  t.same(info.body.calibration, calibration);

  const csv = `path,label\nface.png,happy\n`;
  const ev = await server.client.postFiles('/evaluate', [['csv', 'set.csv', Buffer.from(csv), 'text/csv'], ['images', 'face.png', png, 'image/png']]);
  t.equal(ev.status, 200);
  t.equal(ev.body.count, 1);
  t.ok(Math.abs(ev.body.ece - expectedCalibrationError([served], [LABELS.indexOf('happy')])) <= PROBABILITY_TOLERANCE, `ece ${ev.body.ece}`);
});
