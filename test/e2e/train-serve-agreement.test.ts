/**
 * Train/serve agreement. A random lite model is saved as a trainer checkpoint and exported with
 * `amft export`; the trainer (`amft eval` and the dataset loader it uses) and the real server
 * (`/evaluate`, `/predict`) then read the same files:
 * - a colour image becomes the same gray input, pixel for pixel, and the same probabilities
 *   (the one conversion in shared/src/image);
 * - the same folder, manifest and FER2013 CSV give the same report, number for number, with the
 *   same rows left out (the one reader in shared/src/dataset).
 * The two run different engines (TensorFlow.js against onnxruntime): their logits agree within
 * the exporter's parity tolerance, and on these inputs no prediction sits that close to a tie.
 */
import t, { type Test } from 'tap';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { pino } from 'pino';
import { LABELS, normalizePixels } from '@amft/shared';
import { resolveModelConfig, buildModel } from '../../trainer/src/model/index.js';
import { runEval } from '../../trainer/src/cli/eval.js';
import { runExport } from '../../trainer/src/cli/export.js';
import { loadDataset } from '../../trainer/src/data/load-dataset.js';
import { saveUntrainedCheckpoint } from '../../trainer/test/train/checkpoint-fixture.js';
import { randomizeWeights, softmaxRows, maxAbsDiff } from '../../trainer/test/export/helpers.js';
import { ferCrops, startTestServer } from '../../services/test/fixtures/helpers.js';
import { ASTRONAUT, HAVE_SHARED_DATA } from '../shared-data.js';
import { cpuBackend } from '../../trainer/test/cpu-backend.js';

/** The exporter's parity tolerance on probabilities (trainer/test/export: max |Δlogits| 1e-4). */
const ENGINE_TOLERANCE = 1e-4;

await cpuBackend();
const cfg = resolveModelConfig('lite', { lstm: false });
const spec = cfg.preprocessing;
const dir = mkdtempSync(join(tmpdir(), 'amft-agree-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

// ---- a checkpoint and its export ----
const model = buildModel(cfg);
randomizeWeights(model, 11, tf.randomUniform([4, spec.height, spec.width, spec.channels], -1, 1, 'float32', 11));
const ckpt = join(dir, 'ckpt');
await saveUntrainedCheckpoint(ckpt, model, cfg, { seconds: [1], globalStep: 1, savedAt: '2026-01-01T00:00:00.000Z' });
const modelDir = join(dir, 'model');
await runExport(['--checkpoint', ckpt, '--out', modelDir], { out: { write: () => true } });

// ---- the data: a class folder of colour images (and FER2013 crops when present) ----
const data = join(dir, 'data');
const names: Array<{ rel: string; label: string; bytes: Buffer }> = [];
/** Saturated colour blocks on a gradient, 64x80 (so both sides resize), seeded. */
async function colourImage(seed: number, format: 'png' | 'jpeg'): Promise<Buffer> {
  const w = 64;
  const h = 80;
  const px = Buffer.alloc(w * h * 3);
  let s = seed * 7919 + 1;
  const rnd = () => ((s = (s * 48271) % 2147483647) / 2147483647) * 255;
  const blocks = Array.from({ length: 6 }, () => [rnd(), rnd(), rnd(), rnd() % w, rnd() % h]);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const b = blocks[(Math.floor(x / 22) + 3 * Math.floor(y / 40)) % blocks.length];
      const o = (y * w + x) * 3;
      px[o] = b[0];
      px[o + 1] = (b[1] + x * 2) % 256;
      px[o + 2] = (b[2] + y) % 256;
    }
  }
  const img = sharp(px, { raw: { width: w, height: h, channels: 3 } });
  return format === 'png' ? img.png().toBuffer() : img.jpeg({ quality: 90 }).toBuffer();
}
for (const [i, label] of LABELS.entries()) {
  mkdirSync(join(data, label), { recursive: true });
  const files: Array<[string, Buffer]> = [
    [`${label}-c0.png`, await colourImage(2 * i, 'png')],
    [`${label}-c1.jpg`, await colourImage(2 * i + 1, 'jpeg')],
  ];
  if (label === 'happy') files.push(['happy-astronaut.png', readFileSync(ASTRONAUT)]);
  if (HAVE_SHARED_DATA) for (const c of ferCrops(label, 3)) files.push([`${label}-${c.name}`, c.data]);
  for (const [name, bytes] of files) {
    writeFileSync(join(data, label, name), bytes);
    names.push({ rel: `${label}/${name}`, label, bytes });
  }
}

const server = await startTestServer({ modelDir, dataRoot: data, maxEvalRows: 1000, maxEvalFiles: 1000 });
t.teardown(() => server.close());
const api = server.client;

const evalDeps = () => ({ selectBackend: async () => ({ name: 'cpu' }), log: pino({ level: 'silent' }), out: { write: () => true } });
/** `amft eval` on `args`; its report.json. */
async function amftEval(name: string, args: string[]): Promise<Record<string, any>> {
  const out = join(dir, 'eval', name);
  await runEval(['--checkpoint', ckpt, '--out', out, '--on-bad-row', 'skip', ...args], evalDeps());
  return JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
}
/** The calibration errors of the two engines' probabilities (continuous in them) agree this closely. */
const sameEce = (t: Test, a: Record<string, any>, b: Record<string, any>, what: string) =>
  t.ok(typeof a.ece === 'number' && Math.abs(a.ece - b.ece) <= ENGINE_TOLERANCE, `${what}: ECE ${a.ece} and ${b.ece}`);
/** The numbers of a report, as JSON text (so "the same" means byte for byte). */
const numbers = (r: Record<string, any>) => JSON.stringify({ count: r.count, accuracy: r.accuracy, macroF1: r.macroF1, labels: r.labels, perClass: r.perClass, confusionMatrix: r.confusionMatrix });

t.test('a colour image: the same gray pixels and probabilities in amft eval and /evaluate?detect=never', async (t) => {
  const colour = names.filter((n) => /-(c\d\.|astronaut)/.test(n.rel));
  t.ok(colour.length >= 15, `${colour.length} colour images`);
  const manifest = join(dir, 'colour.csv');
  writeFileSync(manifest, ['file,class', ...colour.map((n) => `${n.rel},${n.label}`)].join('\n'));
  // What amft eval feeds the model: the loader's pixels (stored at the model's 48x48, so the
  // evaluation transform is the identity).
  const loaded = await loadDataset({ path: manifest, root: data }, { spec });
  t.same(loaded.dataset.geometry, { height: 48, width: 48, channels: 1 });
  const size = spec.height * spec.width;
  const tfInput = new Float32Array(colour.length * size);
  colour.forEach((_, i) => normalizePixels(loaded.dataset.pixels.subarray(i * size, (i + 1) * size), spec, 'hwc', tfInput, i * size));
  const tfProbs = softmaxRows(tf.tidy(() => (model.predict(tf.tensor4d(tfInput, [colour.length, 48, 48, 1])) as tf.Tensor).dataSync()), LABELS.length);

  for (const [i, n] of colour.entries()) {
    // What /evaluate?detect=never classifies: the service's analyze job, as its rows run it.
    const analyzed = await server.app.fer.analyze({ source: { kind: 'bytes', bytes: n.bytes, name: n.rel }, mode: 'never', pick: { kind: 'largest' } });
    const trainerPixels = loaded.dataset.pixels.subarray(i * size, (i + 1) * size);
    t.ok(Buffer.from(analyzed.crops[0]).equals(Buffer.from(trainerPixels)), `${n.rel}: identical gray pixels`);
    const [served] = await server.app.fer.classify([trainerPixels]);
    const predicted = await api.post('/predict?detect=never', n.bytes, { 'content-type': 'application/octet-stream' });
    const probs = LABELS.map((l) => predicted.body.results[0].faces[0].expression.probabilities[l]);
    t.same(probs, Array.from(served), `${n.rel}: /predict gives the probabilities of the trainer's pixels`);
    const diff = maxAbsDiff(probs, tfProbs.subarray(i * LABELS.length, (i + 1) * LABELS.length));
    t.ok(diff <= ENGINE_TOLERANCE, `${n.rel}: TensorFlow.js and onnxruntime agree (max |Δp| ${diff.toExponential(1)})`);
  }

  const trainer = await amftEval('colour', ['--data', manifest, '--root', data]);
  // The same manifest, uploaded with its images.
  const uploaded = await api.postFiles('/evaluate?detect=never', [
    ['csv', 'colour.csv', readFileSync(manifest), 'text/csv'],
    ...colour.map((n) => ['images', n.rel.split('/')[1], n.bytes, 'application/octet-stream'] as [string, string, Uint8Array, string]),
  ]);
  t.equal(uploaded.status, 200);
  t.equal(numbers(uploaded.body), numbers(trainer), 'the same report');
  sameEce(t, uploaded.body, trainer, 'colour');
});

t.test('the same folder, manifest and FER2013 CSV: the same report from amft eval and /evaluate', async (t) => {
  // A manifest under the data root: a file,class header, a bad label, a missing file.
  const rows = names.map((n) => `${n.rel},${n.label}`);
  writeFileSync(join(data, 'labels.csv'), ['file,class', ...rows.slice(0, 5), 'happy/nothere.png,happy', `${names[0].rel},contempt`, ...rows.slice(5)].join('\n'));
  const fromManifest = await amftEval('manifest', ['--data', join(data, 'labels.csv')]);
  const served = await api.post('/evaluate', JSON.stringify({ manifest: 'labels.csv' }), { 'content-type': 'application/json' });
  t.equal(served.status, 200);
  t.equal(numbers(served.body), numbers(fromManifest), 'manifest: the same report');
  sameEce(t, served.body, fromManifest, 'manifest');
  t.equal(served.body.badRowCount, fromManifest.skipped, 'manifest: the same rows left out');
  t.same(
    served.body.badRows.map((b: { line: number }) => b.line),
    [7, 8],
  );

  // The class folder itself, and the same images uploaded with a headerless path,label CSV.
  const fromFolder = await amftEval('folder', ['--data', data]);
  t.equal(fromFolder.count, names.length);
  const uploaded = await api.postFiles('/evaluate', [
    ['csv', 'labels.csv', Buffer.from(rows.join('\n')), 'text/csv'],
    ...names.map((n) => ['images', n.rel.split('/')[1], n.bytes, 'application/octet-stream'] as [string, string, Uint8Array, string]),
  ]);
  t.equal(uploaded.status, 200);
  t.equal(numbers(uploaded.body), numbers(fromFolder), 'folder: the same report');
  t.equal(numbers(fromFolder), numbers(fromManifest), 'and the same as the manifest of that folder');

  // FER2013 CSV rows (the trainer's own 48x48 gray pixels), a usage filter, two bad rows.
  const loaded = await loadDataset({ path: data }, { spec });
  const px = (i: number) => Array.from(loaded.dataset.pixels.subarray(i * 2304, (i + 1) * 2304)).join(' ');
  const ferRows = loaded.dataset.samples.map((s, i) => `${s.label},${px(i)},${i % 4 === 3 ? 'Training' : 'PublicTest'}`);
  const fer = ['emotion,pixels,Usage', ...ferRows, `3,${px(0).split(' ').slice(1).join(' ')},PublicTest`, `9,${px(1)},PublicTest`].join('\n');
  writeFileSync(join(dir, 'fer.csv'), fer);
  const fromFer = await amftEval('fer', ['--data', join(dir, 'fer.csv'), '--usage', 'PublicTest']);
  const ferServed = await api.post('/evaluate?usage=PublicTest', fer, { 'content-type': 'text/csv' });
  t.equal(ferServed.status, 200);
  t.equal(numbers(ferServed.body), numbers(fromFer), 'FER2013 CSV: the same report');
  sameEce(t, ferServed.body, fromFer, 'FER2013 CSV');
  t.equal(ferServed.body.badRowCount, fromFer.skipped, 'FER2013 CSV: the same rows left out');
  t.equal(fromFer.skipped, 2);
});
