/**
 * `--tta flip|crops` and `--calibrate`: the flip graph computes the mean of the TensorFlow.js logits
 * of each image and its mirror, the crops graph that of its ten views (lite, with and without the
 * LSTM head); the calibrated graph's
 * probabilities are softmax(logits / T) with raw logits; the temperature fit recovers a known
 * temperature; `amft export --tta auto --calibrate --val-data ... --card ...` decides on the
 * data, records it in metadata.json and the model card, and writes tfjs/.
 */
import t from 'tap';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { LABELS, ModelMetadata, expectedCalibrationError } from '@amft/shared';
import { buildModel, IO_NAMES } from '../../src/model/index.js';
import { exportToOnnx, type CheckpointLoader } from '../../src/export/index.js';
import { calibrate, fitTemperature, keepsTemperature, meanNll, scaledProbabilities } from '../../src/export/calibrate.js';
import { TTA_AUTO_GAIN, chooseTta } from '../../src/export/tune-export.js';
import { cornerCrops } from '../../src/export/tta-graph.js';
import { exportWithFlags, parseExportFlags } from '../../src/cli/export.js';
import { randomInput, smallConfig } from '../model/helpers.js';
import { tempDir, writeImage } from '../data/fixtures.js';
import { Rng, maxAbsDiff, openSession, randomizeWeights, runSession, softmaxRows, structureProblems } from './helpers.js';
import { cpuBackend } from '../cpu-backend.js';

/** Max |Δ| between the flip graph's logits in onnxruntime and the mean of the two TensorFlow.js predictions. */
const TTA_LOGIT_TOLERANCE = 1e-4;
/** Max |Δ| between the calibrated graph's probabilities and softmax(logits / T) computed here. */
const PROBABILITY_TOLERANCE = 1e-6;
const K = LABELS.length;

t.before(() => cpuBackend());

/** tfjs reference: mean of the logits of x and of x mirrored on W. */
function tfjsFlipMean(model: tf.LayersModel, x: tf.Tensor, lstm: boolean): { logits: Float32Array; frameLogits?: Float32Array } {
  return tf.tidy(() => {
    const wAxis = lstm ? 3 : 2;
    const run = (input: tf.Tensor) => {
      const out = model.predict(input) as tf.Tensor | tf.Tensor[];
      return Array.isArray(out) ? out : [out];
    };
    const a = run(x);
    const b = run(tf.reverse(x, wAxis));
    const mean = a.map((t, i) => tf.mul(tf.add(t, b[i]), 0.5).dataSync() as Float32Array);
    return { logits: mean[0], frameLogits: mean[1] };
  });
}

/** tfjs reference of `crops`: the image and its four corner crops (resized back, half-pixel centres), each with its mirror; logits averaged. */
function tfjsCropsMean(model: tf.LayersModel, x: tf.Tensor, _lstm: boolean): { logits: Float32Array; frameLogits?: Float32Array } {
  return tf.tidy(() => {
    const shape = x.shape;
    const [h, w, c] = shape.slice(-3);
    const frames = x.reshape([-1, h, w, c]) as tf.Tensor4D;
    const { height, width, corners } = cornerCrops(h, w);
    const views = [frames, ...corners.map(([top, left]) => tf.image.resizeBilinear(tf.slice(frames, [0, top, left, 0], [-1, height, width, c]), [h, w], false, true))];
    const outs = [...views, ...views.map((v) => tf.reverse(v, 2))].map((v) => {
      const out = model.predict(v.reshape(shape)) as tf.Tensor | tf.Tensor[];
      return Array.isArray(out) ? out : [out];
    });
    const mean = outs[0].map((_, i) => tf.div(tf.addN(outs.map((o) => o[i])), outs.length).dataSync() as Float32Array);
    return { logits: mean[0], frameLogits: mean[1] };
  });
}

/** Each TTA graph against its tfjs reference, and against another graph (so the comparison could fail). */
const TTA_CASES = [
  { tta: 'flip', reference: tfjsFlipMean, other: 'none', seed: 77, ops: (r: Record<string, number>) => r.Slice >= 1 && r.Split >= 1, opsWhat: 'mirror and split are in the graph' },
  { tta: 'crops', reference: tfjsCropsMean, other: 'flip', seed: 78, ops: (r: Record<string, number>) => r.Resize === 4, opsWhat: 'four corner crops resized back' },
] as const;

for (const c of TTA_CASES) {
  for (const lstm of [false, true]) {
    t.test(`${c.tta} TTA in the graph: lite${lstm ? '+lstm' : ''} matches the mean of the tfjs predictions of its views`, async (t) => {
      const cfg = smallConfig('lite', lstm);
      const model = buildModel(cfg);
      randomizeWeights(model, c.seed, randomInput(cfg, 2, lstm ? 2 : undefined, 7));
      const created = { metadata: { createdAt: '2025-01-01T00:00:00.000Z' } };
      const graph = exportToOnnx(model, cfg, { ...created, tta: c.tta });
      const other = exportToOnnx(model, cfg, { ...created, tta: c.other });
      for (const [what, problems] of Object.entries(structureProblems(graph.bytes))) t.same(problems, [], what);
      t.equal(graph.metadata.tta, c.tta);
      t.equal(other.metadata.tta, c.other);
      t.ok(c.ops(graph.report.ops), `${c.opsWhat} (${JSON.stringify(graph.report.ops)})`);
      const sGraph = await openSession(graph.bytes);
      const sOther = await openSession(other.bytes);
      const input = lstm ? IO_NAMES.sequenceInput : IO_NAMES.input;
      for (const shape of lstm ? [[1, 1], [3, 2]] : [[1], [4]]) {
        const x = randomInput(cfg, shape[0], shape[1], 11 + shape[0]);
        const got = await runSession(sGraph, input, x);
        const want = c.reference(model, x, lstm);
        const d = maxAbsDiff(got.logits.data, want.logits);
        t.ok(d <= TTA_LOGIT_TOLERANCE, `[${shape}] max |Δlogits| ${d.toExponential(2)} <= ${TTA_LOGIT_TOLERANCE}`);
        t.same(got.logits.dims, [shape[0], K]);
        t.ok(maxAbsDiff(got.probabilities.data, softmaxRows(got.logits.data, K)) <= PROBABILITY_TOLERANCE, 'probabilities = softmax(logits)');
        if (lstm) {
          t.same(got.frame_logits.dims, [shape[0], shape[1], K]);
          t.ok(maxAbsDiff(got.frame_logits.data, want.frameLogits!) <= TTA_LOGIT_TOLERANCE, 'frame logits are averaged too');
        }
        const o = await runSession(sOther, input, x);
        t.ok(maxAbsDiff(o.logits.data, got.logits.data) > 1e-3, `the ${c.tta} graph differs from the ${c.other} one (the test could fail)`);
        x.dispose();
      }
      await sGraph.release();
      await sOther.release();
      model.dispose();
    });
  }
}

t.test('corner crops: 11/12 of each side at the four corners', async (t) => {
  t.same(cornerCrops(48, 48), { height: 44, width: 44, corners: [[0, 0], [0, 4], [4, 0], [4, 4]] });
  t.same(cornerCrops(224, 112), { height: 205, width: 103, corners: [[0, 0], [0, 9], [19, 0], [19, 9]] });
});

t.test('temperature in the graph: probabilities = softmax(logits / T), logits raw', async (t) => {
  const cfg = smallConfig('lite', false);
  const model = buildModel(cfg);
  randomizeWeights(model, 3, randomInput(cfg, 2, undefined, 3));
  const calibration = { temperature: 2.5, split: 'x', count: 1, eceBefore: 0.2, eceAfter: 0.05, nllBefore: 1.5, nllAfter: 1.2 };
  const cal = exportToOnnx(model, cfg, { calibration, metadata: { createdAt: '2025-01-01T00:00:00.000Z' } });
  const plain = exportToOnnx(model, cfg, { metadata: { createdAt: '2025-01-01T00:00:00.000Z' } });
  t.same(cal.metadata.calibration, calibration);
  for (const [what, problems] of Object.entries(structureProblems(cal.bytes))) t.same(problems, [], what);
  const x = randomInput(cfg, 3, undefined, 5);
  const a = await runSession(await openSession(cal.bytes), 'input', x);
  const b = await runSession(await openSession(plain.bytes), 'input', x);
  t.ok(maxAbsDiff(a.logits.data, b.logits.data) <= 1e-6, 'logits are not scaled');
  const scaled = softmaxRows(a.logits.data.map((v) => v / 2.5), K);
  t.ok(maxAbsDiff(a.probabilities.data, scaled) <= PROBABILITY_TOLERANCE, 'probabilities are softmax(logits / 2.5)');
  t.ok(maxAbsDiff(a.probabilities.data, b.probabilities.data) > 1e-3, 'and not softmax(logits)');
  x.dispose();
  model.dispose();
});

t.test('fitTemperature recovers the temperature that generated the labels; ECE drops', async (t) => {
  const rng = new Rng(21);
  const n = 6000;
  const k = 5;
  const trueT = 2.2;
  const logits = new Float32Array(n * k);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < k; j++) logits[i * k + j] = 3 * rng.normal();
    // labels drawn from softmax(logits / trueT): the raw logits are over-confident by trueT
    const p = scaledProbabilities(logits.subarray(i * k, (i + 1) * k), k, trueT)[0];
    let u = rng.uniform(0, 1);
    let c = 0;
    while (c < k - 1 && u > p[c]) u -= p[c++];
    labels[i] = c;
  }
  const fit = calibrate(logits, labels, k);
  t.ok(Math.abs(fit.temperature - trueT) < 0.15, `fitted T ${fit.temperature.toFixed(3)} vs ${trueT}`);
  t.ok(fit.nllAfter < fit.nllBefore, `NLL ${fit.nllBefore.toFixed(4)} -> ${fit.nllAfter.toFixed(4)}`);
  t.ok(fit.eceAfter < fit.eceBefore / 2, `ECE ${fit.eceBefore.toFixed(4)} -> ${fit.eceAfter.toFixed(4)}`);
  t.equal(fit.eceBefore, expectedCalibrationError(scaledProbabilities(logits, k), labels));
  // the minimum: NLL is higher a little to either side
  t.ok(meanNll(logits, labels, k, fit.temperature * 1.05) > fit.nllAfter && meanNll(logits, labels, k, fit.temperature / 1.05) > fit.nllAfter);
  t.throws(() => fitTemperature(new Float32Array(0), new Int32Array(0), k), /no samples/);
  t.throws(() => meanNll(new Float32Array(7), new Int32Array(1), 5), /do not form rows/);
});

t.test('a fitted temperature is applied only when it does not raise the ECE', async (t) => {
  t.ok(keepsTemperature({ eceBefore: 0.08, eceAfter: 0.02 }));
  t.ok(keepsTemperature({ eceBefore: 0.03, eceAfter: 0.03 }), 'equal: kept (T is at the NLL minimum)');
  t.notOk(keepsTemperature({ eceBefore: 0.0284, eceAfter: 0.0344 }), 'the e25 default model: T 0.959 by NLL raised ECE');
});

t.test('--tta auto keeps flip exactly when it gains >= 0.5 points', async (t) => {
  t.equal(TTA_AUTO_GAIN, 0.005);
  t.equal(chooseTta('auto', 0.6, 0.605), 'flip', '+0.5 points');
  t.equal(chooseTta('auto', 0.5692, 0.5848), 'flip', '+1.56 points');
  t.equal(chooseTta('auto', 0.6, 0.6049), 'none', '+0.49 points');
  t.equal(chooseTta('auto', 0.6, 0.59), 'none', 'a loss');
  t.equal(chooseTta('flip', 0.6, 0.5), 'flip', 'flip is kept when asked for');
  t.equal(chooseTta('none', 0.5, 0.6), 'none', 'none is kept when asked for');
});

t.test('amft export --tta auto --calibrate --val-data --card: decided on the data, recorded, written', async (t) => {
  const dir = await tempDir(t, 'amft-tta-');
  const cfg = smallConfig('lite', false);
  const loader: CheckpointLoader = async () => {
    const model = buildModel(cfg);
    randomizeWeights(model, 5, randomInput(cfg, 2, undefined, 5));
    return { model, config: cfg, metadata: { training: { backend: 'cpu', epochs: 3, seconds: 60, dataset: 'made' } } };
  };
  // a labelled folder made here: 3 images per class, 48x48, a bright square off-centre (so mirrors differ)
  const val = join(dir, 'val');
  await Promise.all(LABELS.flatMap((label, c) => [0, 1, 2].map((i) => writeImage(join(val, label, `${i}.png`), 20 + 30 * c + 7 * i, { size: 48 }))));
  const card = join(dir, 'card.json');
  await writeFile(
    card,
    JSON.stringify({
      command: 'node trainer/dist/cli.js train --variant lite --epochs 30',
      epochs: 30,
      cpuHours: 6.5,
      recipe: [
        { candidate: 'baseline', settings: 'flip, crop', epochs: 2, cpuHours: 0.5, valAccuracy: 0.41, valMacroF1: 0.3 },
        { candidate: 'erasing', settings: '+ random erasing', epochs: 2, cpuHours: 0.5, valAccuracy: 0.44, valMacroF1: 0.33, chosen: true },
      ],
    }),
  );
  const out = join(dir, 'model');
  const f = parseExportFlags(['--checkpoint', 'c', '--out', out, '--tta', 'auto', '--calibrate', '--val-data', val, '--card', card]);
  const written = await exportWithFlags(f, { loadCheckpoint: loader, now: () => new Date('2025-06-01T00:00:00.000Z') });
  const measured = written.tuning.measured!;
  t.equal(measured.count, 21);
  const expected = measured.flip.accuracy - measured.none.accuracy >= TTA_AUTO_GAIN ? 'flip' : 'none';
  const metadata = ModelMetadata.parse(JSON.parse(await readFile(join(out, 'metadata.json'), 'utf8')));
  t.equal(metadata.tta, expected, `auto chose ${expected} (none ${measured.none.accuracy}, flip ${measured.flip.accuracy})`);
  t.ok(measured.none.imagesPerSecond > 0 && measured.flip.imagesPerSecond > 0);
  const c = written.tuning.calibrationFit!;
  t.ok(c.temperature > 0 && c.count === 21 && c.split === `${basename(dir)}/val`, `calibration ${JSON.stringify(c)}`);
  t.ok(c.nllAfter <= c.nllBefore + 1e-9, 'the fitted temperature does not raise the NLL');
  // the metadata and the written graph apply that temperature exactly when it does not raise ECE
  const applied = keepsTemperature(c);
  t.same(metadata.calibration, applied ? c : undefined, `applied: ${applied} (ECE ${c.eceBefore} -> ${c.eceAfter})`);
  const session = await openSession(new Uint8Array(await readFile(join(out, 'model.onnx'))));
  const x = randomInput(cfg, 2, undefined, 8);
  const res = await runSession(session, 'input', x);
  const temperature = applied ? c.temperature : 1;
  t.ok(maxAbsDiff(res.probabilities.data, softmaxRows(res.logits.data.map((v) => v / temperature), K)) <= PROBABILITY_TOLERANCE);
  await session.release();
  x.dispose();
  const md = await readFile(join(out, 'MODEL_CARD.md'), 'utf8');
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  for (const [row, g] of [['without TTA', measured.none], ['flip TTA', measured.flip], ['crops TTA (10 views)', measured.crops]] as const) {
    t.ok(md.includes(`| ${row} | ${pct(g.accuracy)} | ${pct(g.macroF1)} | ${Math.round(g.imagesPerSecond).toLocaleString('en-US')} |`), `the card's ${row} row: accuracy, macro-F1, images/s`);
  }
  t.match(md, /\| before \(T = 1\) \| \d+\.\d\d% \|/);
  t.match(md, /\*\*erasing\*\* \(chosen\) \| \+ random erasing \| 2 \| 0\.50 \| 44\.00% \| 33\.00%/);
  t.match(md, /node trainer\/dist\/cli\.js train --variant lite --epochs 30/);
  t.match(md, /30 epochs, 6\.50 CPU hours/);
  t.ok((await stat(join(out, 'tfjs', 'model.json'))).isFile() && (await stat(join(out, 'tfjs', 'weights.bin'))).isFile(), 'tfjs/ is written');
  const modelJson = JSON.parse(await readFile(join(out, 'tfjs', 'model.json'), 'utf8')) as Record<string, unknown>;
  t.notOk('trainingConfig' in modelJson, 'no optimizer or training state in tfjs/');
});

t.test('--tta auto and --calibrate without --val-data, and a bad --card, are refused', async (t) => {
  const loader: CheckpointLoader = async () => ({ model: buildModel(smallConfig('lite', false)), config: smallConfig('lite', false) });
  await t.rejects(exportWithFlags(parseExportFlags(['--checkpoint', 'c', '--out', '/nonexistent/x', '--calibrate']), { loadCheckpoint: loader }), /--calibrate needs --val-data/);
  await t.rejects(exportWithFlags(parseExportFlags(['--checkpoint', 'c', '--out', '/nonexistent/x', '--tta', 'auto']), { loadCheckpoint: loader }), /--tta auto needs --val-data/);
  t.throws(() => parseExportFlags(['--checkpoint', 'c', '--out', 'o', '--tta', 'rotate']));
  const dir = await tempDir(t, 'amft-card-');
  await writeFile(join(dir, 'card.json'), JSON.stringify({ recipe: [{ candidate: 'x', valAccuracy: 3 }] }));
  await t.rejects(exportWithFlags(parseExportFlags(['--checkpoint', 'c', '--out', join(dir, 'o'), '--card', join(dir, 'card.json')]), { loadCheckpoint: loader }), /valAccuracy/);
});

t.test('metadata.json written before tta/calibration existed still loads', async (t) => {
  // the bundled model's metadata without the new fields (as the interim model was exported)
  const { tta: _tta, calibration: _calibration, ...old } = JSON.parse(await readFile(new URL('../../../models/default/metadata.json', import.meta.url), 'utf8')) as Record<string, unknown>;
  const parsed = ModelMetadata.parse(old);
  t.equal(parsed.tta, undefined);
  t.equal(parsed.calibration, undefined);
  t.throws(() => ModelMetadata.parse({ ...old, tta: 'rotate' }), /tta/);
  t.throws(() => ModelMetadata.parse({ ...old, calibration: { temperature: 0 } }), /calibration/);
});
