import t from 'tap';
import { classificationReport, confusionMatrix, reportFromConfusion, softmax, argmax, parseLabel, LABELS, normalizePixels, GRAY48, expectedCalibrationError, ECE_BINS, reportToMarkdown } from '../src/index.js';

t.test('confusion matrix and report match hand-computed values', async (t) => {
  // 3 classes: true [0,0,1,1,2,2], pred [0,1,1,1,2,0]
  const cm = confusionMatrix([0, 0, 1, 1, 2, 2], [0, 1, 1, 1, 2, 0], 3);
  t.same(cm, [[1, 1, 0], [0, 2, 0], [1, 0, 1]]);
  const r = reportFromConfusion(cm, ['a', 'b', 'c']);
  t.equal(r.count, 6);
  t.equal(r.accuracy, 4 / 6);
  t.equal(r.perClass.a.precision, 0.5);
  t.equal(r.perClass.a.recall, 0.5);
  t.equal(r.perClass.b.precision, 2 / 3);
  t.equal(r.perClass.b.recall, 1);
  t.equal(r.perClass.c.precision, 1);
  t.equal(r.perClass.c.recall, 0.5);
  const f1b = (2 * (2 / 3) * 1) / (2 / 3 + 1);
  const f1c = (2 * 1 * 0.5) / 1.5;
  t.ok(Math.abs(r.macroF1 - (0.5 + f1b + f1c) / 3) < 1e-12);
});

t.test('classes absent from truth and predictions are left out of macro-F1', async (t) => {
  const r = classificationReport([3, 3, 0], [3, 3, 0]);
  t.equal(r.accuracy, 1);
  t.equal(r.macroF1, 1);
  t.equal(r.perClass.disgust.support, 0);
  t.same(r.labels, [...LABELS]);
});

t.test('mismatched lengths and out-of-range classes throw', async (t) => {
  t.throws(() => confusionMatrix([0], [0, 1]));
  t.throws(() => confusionMatrix([9], [0]));
});

t.test('softmax, argmax, parseLabel', async (t) => {
  const p = softmax([1, 2, 3]);
  t.ok(Math.abs(p.reduce((a, b) => a + b) - 1) < 1e-12);
  t.equal(argmax(p), 2);
  t.equal(argmax([5, 1, 9, 9], 1, 3), 1);
  t.equal(parseLabel('Happy'), 3);
  t.equal(parseLabel('6'), 6);
  t.equal(parseLabel('7'), undefined);
  t.equal(parseLabel('joy'), undefined);
});

t.test('normalizePixels maps 0..255 to the spec range in both layouts', async (t) => {
  const px = new Uint8Array(48 * 48).fill(255);
  px[0] = 0;
  const hwc = normalizePixels(px, GRAY48, 'hwc');
  t.equal(hwc[0], -1);
  t.equal(hwc[1], 1);
  const rgb = { height: 1, width: 2, channels: 3 as const, mean: [0, 0.5, 1], std: [1, 1, 1] };
  const chw = normalizePixels(new Uint8Array([255, 255, 255, 0, 0, 0]), rgb, 'chw');
  t.same(Array.from(chw), [1, 0, 0.5, -0.5, 0, -1]);
  t.throws(() => normalizePixels(new Uint8Array(3), GRAY48, 'hwc'), /expected 2304/);
});

t.test('expected calibration error: 15 equal-width bins, hand-computed', async (t) => {
  // confidences 0.95 (right), 0.95 (wrong): one bin, accuracy 0.5, confidence 0.95 -> gap 0.45
  // confidence 0.5 (right): its own bin, gap 0.5. ECE = (2 * 0.45 + 1 * 0.5) / 3
  const probs = [
    [0.95, 0.05],
    [0.05, 0.95],
    [0.5, 0.3, 0.2],
  ];
  t.ok(Math.abs(expectedCalibrationError(probs, [0, 0, 0]) - (2 * 0.45 + 0.5) / 3) < 1e-12);
  t.equal(ECE_BINS, 15);
  // perfectly calibrated: 4 rows at confidence 0.75, 3 of them right
  const p75 = [0.75, 0.25];
  t.ok(expectedCalibrationError([p75, p75, p75, p75], [0, 0, 0, 1]) < 1e-12);
  // one bin: every row lands in the top bin, so ECE = |accuracy - mean confidence|
  t.ok(Math.abs(expectedCalibrationError([[0.99, 0.01], [0.97, 0.03]], [0, 1], 1) - Math.abs(0.5 - 0.98)) < 1e-12);
  t.equal(expectedCalibrationError([], []), 0);
  t.throws(() => expectedCalibrationError([[1, 0]], [0, 1]), /1 probability rows for 2 labels/);
  t.throws(() => expectedCalibrationError([[1, 0]], [0], 0), /bins/);
  const r = { ...classificationReport([0, 1], [0, 1]), ece: 0.1234 };
  t.match(reportToMarkdown(r), /expected calibration error \(15 bins\): 12\.34%/);
  t.notMatch(reportToMarkdown(classificationReport([0], [0])), /calibration/);
});
