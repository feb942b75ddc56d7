/**
 * `amft export`: flags, the files it writes (model.onnx + metadata.json, both describing the same
 * model), --optimize, --eval-report, and the default loader on a real trainer checkpoint.
 */
import t from 'tap';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { ZodError } from 'zod';
import { ModelMetadata } from '@amft/shared';
import { buildModel } from '../../src/model/index.js';
import { exportWithFlags, parseExportFlags, runExport } from '../../src/cli/export.js';
import { decodeModel, metadataFromProps, type CheckpointLoader } from '../../src/export/index.js';
import { randomInput, smallConfig } from '../model/helpers.js';
import { saveUntrainedCheckpoint } from '../train/checkpoint-fixture.js';
import { maxAbsDiff, openSession, randomizeWeights, runSession, structureProblems } from './helpers.js';
import { cpuBackend } from '../cpu-backend.js';

const cfg = smallConfig('lite', false);
let dir = '';

t.before(async () => {
  await cpuBackend();
  dir = await mkdtemp(join(tmpdir(), 'amft-export-'));
});
t.teardown(() => rm(dir, { recursive: true, force: true }));

/** A loader that hands out a fresh random lite model, as the real one hands out a checkpoint's. */
const fakeLoader: CheckpointLoader = async () => {
  const model = buildModel(cfg);
  randomizeWeights(model, 5, randomInput(cfg, 2, undefined, 5));
  return { model, config: cfg, metadata: { training: { backend: 'cpu', epochs: 3, seconds: 12.5, dataset: 'fer2013' } } };
};

const NOW = () => new Date('2025-06-01T12:00:00.000Z');

t.test('flags: required --checkpoint and --out, --quantize values, unknown flags', async (t) => {
  t.throws(() => parseExportFlags(['--out', 'x']), ZodError);
  t.throws(() => parseExportFlags(['--checkpoint', 'c', '--out', 'o', '--quantize', 'int4']), ZodError);
  t.throws(() => parseExportFlags(['--checkpoint', 'c', '--out', 'o', '--frobnicate']), { code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' });
  t.same(parseExportFlags(['--checkpoint', 'c', '--out', 'o', '--optimize', '--name', 'm']), { checkpoint: 'c', out: 'o', optimize: true, name: 'm', evalReport: [], tta: 'none', calibrate: false });
  let help = '';
  await runExport(['--help'], { out: { write: (s: string) => (help += s) } });
  t.match(help, /--checkpoint <dir>/);
});

t.test('writes model.onnx and metadata.json that agree, with metrics from an eval report', async (t) => {
  const out = join(dir, 'plain');
  const report = join(dir, 'report.json');
  await writeFile(report, JSON.stringify({ data: '/data/fer2013-test.csv', count: 3589, accuracy: 0.7, macroF1: 0.65, perClass: {} }));
  let printed = '';
  await runExport(['--checkpoint', 'ckpt', '--out', out, '--name', 'lite-test', '--eval-report', report], {
    loadCheckpoint: fakeLoader,
    now: NOW,
    out: { write: (s: string) => (printed += s) },
  });
  t.match(printed, /lite-test: lite, .* parameters/);
  const metadata = ModelMetadata.parse(JSON.parse(await readFile(join(out, 'metadata.json'), 'utf8')));
  t.equal(metadata.name, 'lite-test');
  t.equal(metadata.createdAt, '2025-06-01T12:00:00.000Z');
  t.same(metadata.metrics, [{ split: 'fer2013-test.csv', count: 3589, accuracy: 0.7, macroF1: 0.65 }]);
  t.same(metadata.training, { backend: 'cpu', epochs: 3, seconds: 12.5, dataset: 'fer2013' });
  t.same(metadata.io, { input: 'input', logits: 'logits', probabilities: 'probabilities' });
  const bytes = new Uint8Array(await readFile(join(out, 'model.onnx')));
  const proto = decodeModel(bytes);
  t.same(metadataFromProps(proto.metadataProps), metadata, 'the ONNX file carries the same metadata');
  const props = Object.fromEntries(proto.metadataProps!.map((p) => [p.key, p.value]));
  t.same(JSON.parse(props['amft.labels']!), metadata.labels);
  t.same(JSON.parse(props['amft.preprocessing']!), metadata.preprocessing);
  t.equal(props['amft.variant'], 'lite');
  t.equal(Number(props['amft.total_params']), metadata.totalParams);
  t.equal(Number(props['amft.flops_per_image']), metadata.flopsPerImage);
  t.same(JSON.parse(props['amft.metrics']!), metadata.metrics);
  for (const [what, problems] of Object.entries(structureProblems(bytes))) t.same(problems, [], what);
  const session = await openSession(bytes);
  t.same(session.inputNames, ['input']);
  await session.release();
  await t.rejects(stat(join(out, 'model.portable.onnx')), 'no portable copy without --optimize');
  const card = await readFile(join(out, 'MODEL_CARD.md'), 'utf8');
  t.match(card, /# Model card: lite-test/);
  t.match(card, /Accuracy \*\*70\.00%\*\*, macro-F1 \*\*65\.00%\*\* on 3,589 images of `fer2013-test\.csv`/);
  t.match(card, /data: fer2013/);
});

t.test('--optimize saves onnxruntime’s optimized graph as model.onnx and keeps the portable one', async (t) => {
  const out = join(dir, 'optimized');
  const written = await exportWithFlags(parseExportFlags(['--checkpoint', 'ckpt', '--out', out, '--optimize']), { loadCheckpoint: fakeLoader, now: NOW });
  t.ok(written.optimizedMaxDiff !== undefined && written.optimizedMaxDiff <= 1e-4, `optimized vs portable: ${written.optimizedMaxDiff}`);
  const optimized = new Uint8Array(await readFile(join(out, 'model.onnx')));
  const portable = new Uint8Array(await readFile(join(out, 'model.portable.onnx')));
  t.same(structureProblems(portable)['every node is a default-domain operator of opset 17'], []);
  t.same(metadataFromProps(decodeModel(optimized).metadataProps), written.metadata, 'onnxruntime keeps metadata_props');
  const session = await openSession(optimized);
  const x = randomInput(cfg, 2, undefined, 3);
  const a = await runSession(session, 'input', x);
  const b = await runSession(await openSession(portable), 'input', x);
  t.ok(maxAbsDiff(a.logits.data, b.logits.data) <= 1e-4);
  await session.release();
});

t.test('--quantize int8 writes a ~4x smaller model that still loads and passes the checks', async (t) => {
  const plain = (await stat(join(dir, 'plain', 'model.onnx'))).size;
  const out = join(dir, 'int8');
  const written = await exportWithFlags(parseExportFlags(['--checkpoint', 'c', '--out', out, '--quantize', 'int8']), { loadCheckpoint: fakeLoader, now: NOW });
  t.ok(written.bytes < plain / 3, `${written.bytes} bytes vs ${plain}`);
  const bytes = new Uint8Array(await readFile(join(out, 'model.onnx')));
  for (const [what, problems] of Object.entries(structureProblems(bytes))) t.same(problems, [], what);
  const props = Object.fromEntries(decodeModel(bytes).metadataProps!.map((p) => [p.key, p.value]));
  t.match(JSON.parse(props['amft.quantization']!), { mode: 'int8', weightsOnly: true });
  const session = await openSession(bytes);
  t.same(session.outputNames, ['logits', 'probabilities']);
  await session.release();
});

t.test('the default loader reads a trainer checkpoint', async (t) => {
  const model = buildModel(cfg);
  randomizeWeights(model, 9, randomInput(cfg, 2, undefined, 9));
  const ckpt = join(dir, 'ckpt');
  await saveUntrainedCheckpoint(ckpt, model, cfg, { seconds: [4, 6], globalStep: 10, savedAt: NOW().toISOString() });
  const out = join(dir, 'from-ckpt');
  await runExport(['--checkpoint', ckpt, '--out', out], { now: NOW, out: { write: () => true } });
  const metadata = ModelMetadata.parse(JSON.parse(await readFile(join(out, 'metadata.json'), 'utf8')));
  t.same(metadata.training, { backend: 'cpu', epochs: 2, seconds: 10, dataset: 'unspecified' });
  const session = await openSession(new Uint8Array(await readFile(join(out, 'model.onnx'))));
  const x = randomInput(cfg, 2, undefined, 4);
  const res = await runSession(session, 'input', x);
  const ref = (model.predict(x) as tf.Tensor).dataSync();
  t.ok(maxAbsDiff(ref, res.logits.data) <= 1e-4, 'the exported checkpoint computes what the saved model does');
  await session.release();
});

t.test('the default loader reads an export directory: models/default exported again computes what it ships', async (t) => {
  const shipped = new URL('../../../models/default', import.meta.url).pathname;
  const metaShipped = ModelMetadata.parse(JSON.parse(await readFile(join(shipped, 'metadata.json'), 'utf8')));
  const defaultCfg = { ...cfg, preprocessing: metaShipped.preprocessing };
  const x = randomInput(defaultCfg, 3, undefined, 6);
  const run = async (path: string) => {
    const session = await openSession(new Uint8Array(await readFile(join(path, 'model.onnx'))));
    try {
      return (await runSession(session, 'input', x)).logits.data;
    } finally {
      await session.release();
    }
  };
  for (const from of [shipped, join(shipped, 'tfjs')]) {
    const out = join(dir, `again-${from.endsWith('tfjs') ? 'tfjs' : 'export'}`);
    await runExport(['--checkpoint', from, '--out', out, '--tta', metaShipped.tta ?? 'none'], { now: NOW, out: { write: () => true } });
    const metadata = ModelMetadata.parse(JSON.parse(await readFile(join(out, 'metadata.json'), 'utf8')));
    t.same(metadata.training, metaShipped.training, `${from}: the training facts of the export's metadata.json`);
    t.same([metadata.variant, metadata.totalParams], [metaShipped.variant, metaShipped.totalParams]);
    // the shipped graph applies its temperature to the probabilities only: the logits are the network's
    const d = maxAbsDiff(await run(out), await run(shipped));
    t.ok(d <= 1e-4, `${from}: the same logits as the shipped model.onnx (max |Δ| ${d.toExponential(2)})`);
  }
  const crops = join(dir, 'again-crops');
  await runExport(['--checkpoint', shipped, '--out', crops, '--tta', 'crops'], { now: NOW, out: { write: () => true } });
  t.equal(ModelMetadata.parse(JSON.parse(await readFile(join(crops, 'metadata.json'), 'utf8'))).tta, 'crops');
  t.ok(maxAbsDiff(await run(crops), await run(shipped)) > 1e-3, 'another TTA, other logits');
  await t.rejects(runExport(['--checkpoint', join(dir, 'nothing'), '--out', join(dir, 'x')], { out: { write: () => true } }), /no checkpoint there/);
  x.dispose();
});
