import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LABELS } from '@amft/shared';
import { loadModel } from '../src/model/load-model.js';
import { DEVICES, Session, planProviders, providersFor } from '../src/inference/session.js';
import { Classifier } from '../src/pipeline/infer.js';
import { makeModel } from './fixtures/make-model.js';

const opts = { device: 'cpu', threads: 1 };

async function refuses(t: any, dir: string, pattern: RegExp, device = 'cpu') {
  await t.rejects(loadModel(dir, { ...opts, device }), pattern, String(pattern));
}

t.test('a good model loads, with and without the sequence head', async (t) => {
  for (const sequence of [false, true, 'two-inputs'] as const) {
    const m = await loadModel(makeModel({ sequence }).dir, opts);
    t.equal(m.hasSequence, sequence !== false);
    t.equal(m.imageAsClip, sequence === true, 'single images as one-frame clips on the trainer layout');
    t.same(m.session.inputNames, sequence === true ? ['frames'] : sequence ? ['input', 'frames'] : ['input']);
    t.equal(m.session.provider, 'cpu');
    t.same(m.metadata.labels, [...LABELS]);
    const c = new Classifier(m);
    await c.warmup();
    const p = await c.classify(new Float32Array(2 * 48 * 48), 2);
    t.equal(p.length, 14);
    t.ok(Math.abs(p.subarray(0, 7).reduce((a, b) => a + b) - 1) < 1e-5);
    await m.session.release();
  }
});

t.test('RGB 64x64 models load too', async (t) => {
  const m = await loadModel(makeModel({ channels: 3, size: 64 }).dir, opts);
  t.equal(m.metadata.preprocessing.channels, 3);
  await m.session.release();
});

t.test('refuses a missing, corrupt or mismatched model with a clear message', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fer-bad-'));
  await refuses(t, join(dir, 'nope'), /does not exist/);
  await refuses(t, dir, /has no metadata\.json/);
  writeFileSync(join(dir, 'metadata.json'), '{ not json');
  await refuses(t, dir, /metadata\.json is not valid JSON/);
  const good = makeModel();
  const meta = JSON.parse(readFileSync(join(good.dir, 'metadata.json'), 'utf8'));
  writeFileSync(join(dir, 'metadata.json'), JSON.stringify({ ...meta, labels: [...LABELS].reverse() }));
  await refuses(t, dir, /does not match the model metadata schema:\n {2}labels: labels must be angry,/);
  writeFileSync(join(dir, 'metadata.json'), JSON.stringify(meta));
  await refuses(t, dir, /has no model\.onnx/);
  writeFileSync(join(dir, 'model.onnx'), Buffer.from('definitely not a protobuf'));
  await refuses(t, dir, /model\.onnx could not be loaded by onnxruntime/);
  rmSync(dir, { recursive: true });

  await refuses(t, makeModel({ metadata: { io: { input: 'image', logits: 'logits', probabilities: 'probabilities' } } }).dir, /metadata io\.input 'image' is not an input of model\.onnx \(inputs: input\)/);
  await refuses(t, makeModel({ metadata: { io: { input: 'input', logits: 'scores', probabilities: 'probabilities' } } }).dir, /io\.logits 'scores' is not an output/);
  await refuses(t, makeModel({ metadata: { preprocessing: { height: 64, width: 64, channels: 1, mean: [0.5], std: [0.5] } } }).dir, /input 'input' has shape \[N,1,48,48\], expected \[N,1,64,64\]/);
  await refuses(t, makeModel({ metadata: { preprocessing: { height: 48, width: 48, channels: 3, mean: [0.5], std: [0.5] } } }).dir, /dimension 1 is 1, metadata says 3/);
  // Metadata promises a sequence head the graph lacks, and the reverse.
  const seqIo = { input: 'input', logits: 'logits', probabilities: 'probabilities', sequence: { input: 'frames', logits: 'sequence_logits', probabilities: 'sequence_probabilities', frameLogits: 'frame_logits' } };
  await refuses(t, makeModel({ metadata: { io: seqIo } }).dir, /io\.sequence\.input 'frames' is not an input/);
  await refuses(t, makeModel({ sequence: 'two-inputs', metadata: { io: { input: 'input', logits: 'logits', probabilities: 'probabilities' } } }).dir, /inputs the metadata does not name: frames/);
  await refuses(t, makeModel({ sequence: true, metadata: { io: { input: 'frames', logits: 'logits', probabilities: 'probabilities' } } }).dir, /input 'frames' has shape \[N,T,1,48,48\], expected rank 4/);
});

t.test('devices: a frozen table; unknown devices are named; cuda falls back to cpu here', async (t) => {
  t.ok(Object.isFrozen(DEVICES));
  t.same(providersFor('cpu'), ['cpu']);
  t.same(providersFor('cuda'), ['cuda', 'cpu']);
  t.throws(() => providersFor('tpu'), /unknown device 'tpu'; known devices: cpu, cuda/);
  t.throws(() => providersFor('toString'), /unknown device/);
  await refuses(t, makeModel().dir, /known devices: cpu, cuda/, 'tpu');
  const warnings: string[] = [];
  const log = { info: () => {}, warn: (_o: object, msg?: string) => void warnings.push(msg ?? '') };
  const m = await loadModel(makeModel().dir, { device: 'cuda', threads: 1, log });
  // Without the CUDA provider's libraries (this machine) CUDA is not even tried, so onnxruntime
  // prints no load error: the session runs on CPU and says why. With them, CUDA or a fallback.
  if (!planProviders('cuda').providers.includes('cuda')) {
    t.equal(m.session.provider, 'cpu');
    t.match(m.session.providerReason, /the cuda provider is not installed \(no libonnxruntime_providers_\w+\.so/);
  } else if (m.session.provider === 'cpu') t.match(warnings.join('\n'), /cuda could not be loaded; falling back to cpu/);
  else t.equal(m.session.provider, 'cuda');
  t.equal(m.session.device, 'cuda');
  await m.session.release();
});

t.test('session.run checks feeds against the model inputs', async (t) => {
  const s = await Session.open(join(makeModel({ sequence: 'two-inputs' }).dir, 'model.onnx'), opts);
  t.same(s.inputNames, ['input', 'frames']);
  const x = { data: new Float32Array(48 * 48), dims: [1, 1, 48, 48] };
  await t.rejects(s.run({ image: x }, ['logits']), /feeds do not match the model inputs \[input, frames\]; unknown: image; missing: input, frames/);
  await t.rejects(s.run({ input: x }, ['logits']), /missing: frames/);
  await t.rejects(s.run({ input: x, frames: { data: x.data, dims: [1, 1, 1, 48, 48] } }, ['nope']), /unknown outputs nope/);
  const out = await s.run({ input: x, frames: { data: x.data, dims: [1, 1, 1, 48, 48] } }, ['probabilities', 'frame_logits']);
  t.same(out.frame_logits.dims, [1, 1, 7]);
  await s.release();
});
