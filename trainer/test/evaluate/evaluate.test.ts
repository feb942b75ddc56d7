import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import { LABELS, reportToMarkdown, type PreprocessingSpec } from '@amft/shared';
import sharp from 'sharp';
import t from 'tap';
import type { ImageDataset } from '../../src/data/sample.js';
import { cellColor } from '../../src/evaluate/confusion-png.js';
import { evaluateModel } from '../../src/evaluate/evaluate-model.js';
import { writeReport } from '../../src/evaluate/write-report.js';
import { tempDir } from '../data/fixtures.js';
import { cpuBackend } from '../cpu-backend.js';

await cpuBackend();

// 1x7 "images": the model's logits are the normalized pixels, so the prediction is the brightest pixel.
const SPEC: PreprocessingSpec = { height: 1, width: 7, channels: 1, mean: [0.5], std: [0.5], faceMargin: 0.25 };

function identityModel(): tf.LayersModel {
  const m = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [1, 7, 1] }), tf.layers.dense({ units: 7 })] });
  m.setWeights([tf.eye(7), tf.zeros([7])]);
  return m;
}

/** Samples [true label, predicted class]. */
function dataset(pairs: Array<[number, number]>): ImageDataset {
  const pixels = new Uint8Array(pairs.length * 7);
  pairs.forEach(([, pred], i) => (pixels[i * 7 + pred] = 255));
  return { geometry: { height: 1, width: 7, channels: 1 }, samples: pairs.map(([label], i) => ({ source: `s${i}`, label })), pixels };
}

const PAIRS: Array<[number, number]> = [
  [3, 3], [3, 3], [3, 3], [3, 0], // happy: 3 of 4 right
  [0, 0], [0, 0], [0, 3], // angry: 2 of 3
  [1, 1], // disgust: 1 of 1
  [6, 4], [6, 6], // neutral: 1 of 2
];

t.test('evaluateModel: predictions, confusion matrix, metrics and loss are exact', async (t) => {
  const model = identityModel();
  const before = tf.memory().numTensors;
  const ev = await evaluateModel(model, dataset(PAIRS), SPEC, { batchSize: 3 });
  t.equal(tf.memory().numTensors, before, 'no tensors leaked');
  t.same(Array.from(ev.predictions), PAIRS.map(([, p]) => p));
  const r = ev.report;
  t.equal(r.count, 10);
  t.equal(r.accuracy, 0.7);
  t.same(r.labels, [...LABELS]);
  t.same(r.confusionMatrix[3], [1, 0, 0, 3, 0, 0, 0]);
  t.same(r.confusionMatrix[6], [0, 0, 0, 0, 1, 0, 1]);
  t.equal(r.perClass.happy.recall, 0.75);
  t.equal(r.perClass.happy.precision, 0.75);
  t.equal(r.perClass.sad.precision, 0);
  // logits: 1 at the bright pixel, -1 elsewhere
  const lse = Math.log(Math.E + 6 / Math.E);
  t.ok(Math.abs(ev.loss - (0.7 * (lse - 1) + 0.3 * (lse + 1))) < 1e-5, 'mean cross-entropy');
  // every row's top probability is e / (e + 6/e), all in one bin: ECE = |accuracy - that|
  const top = Math.E / (Math.E + 6 / Math.E);
  t.ok(Math.abs(r.ece! - Math.abs(0.7 - top)) < 1e-6, `ECE ${r.ece} = |0.7 - ${top.toFixed(4)}|`);
  const again = await evaluateModel(model, dataset(PAIRS), SPEC, { batchSize: 4 });
  t.same(again.report, r, 'the batch size does not change the result');
  model.dispose();
});

t.test('writeReport: JSON, Markdown (the shared reportToMarkdown) and a confusion-matrix PNG', async (t) => {
  const dir = await tempDir(t);
  const model = identityModel();
  const { report } = await evaluateModel(model, dataset(PAIRS), SPEC);
  model.dispose();
  const files = await writeReport(dir, report, { title: 'Test split', extra: { checkpoint: 'x' } });
  const json = JSON.parse(await readFile(files.json, 'utf8'));
  t.equal(json.checkpoint, 'x');
  t.same(json.confusionMatrix, report.confusionMatrix);
  t.equal(json.accuracy, 0.7);
  t.equal(await readFile(files.markdown, 'utf8'), reportToMarkdown(report, 'Test split'));
  t.match(await readFile(files.markdown, 'utf8'), /accuracy: 70\.00%/);
  t.equal(json.ece, report.ece);
  t.match(await readFile(files.markdown, 'utf8'), /expected calibration error \(15 bins\): 14\.8\d%/);

  const { data, info } = await sharp(files.png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  t.same([info.width, info.height], [110 + 7 * 64 + 20, 70 + 7 * 64 + 20]);
  const at = (row: number, col: number) => {
    const x = 110 + col * 64 + 6;
    const y = 70 + row * 64 + 6;
    const i = (y * info.width + x) * info.channels;
    return [data[i], data[i + 1], data[i + 2]];
  };
  const near = (a: number[], b: number[]) => a.every((v, i) => Math.abs(v - b[i]) <= 2);
  t.ok(near(at(3, 3), cellColor(0.75)), 'happy/happy shaded by its row share 3/4');
  t.ok(near(at(1, 1), cellColor(1)), 'disgust/disgust full');
  t.ok(near(at(2, 2), cellColor(0)), 'an empty row is white');
  t.ok(near(at(6, 4), cellColor(0.5)));
  // count text is drawn in the middle of a cell: dark pixels appear there on light cells
  const middle = (row: number, col: number) => {
    let dark = 0;
    for (let y = 70 + row * 64 + 22; y < 70 + row * 64 + 42; y++) {
      for (let x = 110 + col * 64 + 22; x < 110 + col * 64 + 42; x++) if (data[(y * info.width + x) * info.channels] < 100) dark++;
    }
    return dark;
  };
  t.ok(middle(3, 0) > 5, 'the count 1 is written in happy/angry');
});
