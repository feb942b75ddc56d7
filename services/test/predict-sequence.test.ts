import t from 'tap';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { LABELS } from '@amft/shared';
import { ASTRONAUT, HAVE_DATA, NO_DATA_REASON, ferCrops, startTestServer, syntheticImage } from './fixtures/helpers.js';
import { groupPicture, trueBox, type Placement } from './fixtures/group-picture.js';
import { boxIou } from '../src/pipeline/detect/index.js';

const MAX_FRAMES = 12;
const ALPHA = 0.4;
// Two servers: the plain classifier (EMA smoothing) and the LSTM variant as the trainer exports
// it (one clip input `frames`).
const plain = await startTestServer({ maxFrames: MAX_FRAMES, emaAlpha: ALPHA });
const lstm = await startTestServer({ maxFrames: MAX_FRAMES }, { sequence: true });
t.teardown(async () => {
  await plain.close();
  await lstm.close();
});

const frames = await Promise.all([1, 2, 3, 4].map((s) => syntheticImage(48, 48, 'png', s)));
const b64 = (b: Buffer) => b.toString('base64');
const probs = (e: any) => LABELS.map((l) => e.probabilities[l] as number);

t.test('EMA smoothing without an LSTM head (multipart frames)', async (t) => {
  const r = await plain.client.postFiles(
    '/predict-sequence?detect=never',
    frames.map((f, i) => ['frames', `f${i}.png`, f, 'image/png']),
  );
  t.equal(r.status, 200);
  t.equal(r.body.frames.length, 4);
  t.same(
    r.body.frames.map((f: any) => f.index),
    [0, 1, 2, 3],
  );
  t.match(r.body.sequence, { method: 'ema', alpha: ALPHA, framesUsed: 4 });
  // The documented recurrence, recomputed from the per-frame probabilities.
  let s: number[] | undefined;
  for (const f of r.body.frames) {
    const p = probs(f.face.expression);
    s = s ? s.map((v, c) => ALPHA * p[c] + (1 - ALPHA) * v) : p;
  }
  const got = probs(r.body.sequence.expression);
  s!.forEach((v, c) => t.ok(Math.abs(v - got[c]) < 1e-6, `${LABELS[c]}: ${v} vs ${got[c]}`));
  // Each frame's prediction is /predict's for the same image.
  const single = await plain.client.post('/predict?detect=never', frames[2], { 'content-type': 'image/png' });
  t.same(probs(single.body.results[0].faces[0].expression).map((v) => v.toFixed(5)), probs(r.body.frames[2].face.expression).map((v) => v.toFixed(5)));
});

t.test('LSTM head when the model has one (JSON base64 frames, data: URLs too)', async (t) => {
  const body = JSON.stringify({ frames: [b64(frames[0]), `data:image/png;base64,${b64(frames[1])}`, b64(frames[2])] });
  const r = await lstm.client.post('/predict-sequence?detect=never', body, { 'content-type': 'application/json' });
  t.equal(r.status, 200);
  t.match(r.body.sequence, { method: 'lstm', framesUsed: 3 });
  t.notOk('alpha' in r.body.sequence);
  const p = probs(r.body.sequence.expression);
  t.ok(Math.abs(p.reduce((a, b) => a + b) - 1) < 1e-4, 'sequence probabilities sum to 1');
  t.equal(r.body.model.name, 'fixture-seq');
  // Order matters to an LSTM: the reversed clip gives a different answer.
  const rev = await lstm.client.post('/predict-sequence?detect=never', JSON.stringify({ frames: [b64(frames[2]), b64(frames[1]), b64(frames[0])] }), { 'content-type': 'application/json' });
  t.equal(rev.status, 200);
  t.not(JSON.stringify(rev.body.sequence.expression.probabilities), JSON.stringify(r.body.sequence.expression.probabilities), 'order changes the LSTM result');
  // /predict still works on the model with two inputs.
  const one = await lstm.client.post('/predict?detect=never', frames[0], { 'content-type': 'image/png' });
  t.equal(one.status, 200);
  t.same(probs(one.body.results[0].faces[0].expression).map((v) => v.toFixed(5)), probs(r.body.frames[0].face.expression).map((v) => v.toFixed(5)));
});

t.test('LSTM model: a single image is a clip of one frame', async (t) => {
  const one = await lstm.client.post('/predict-sequence?detect=never', JSON.stringify({ frames: [b64(frames[3])] }), { 'content-type': 'application/json' });
  const img = await lstm.client.post('/predict?detect=never', frames[3], { 'content-type': 'image/png' });
  t.equal(one.status, 200);
  t.same(probs(one.body.sequence.expression).map((v) => v.toFixed(5)), probs(img.body.results[0].faces[0].expression).map((v) => v.toFixed(5)));
});

t.test('LSTM head on a graph with separate image and clip inputs', async (t) => {
  const two = await startTestServer({}, { sequence: 'two-inputs' });
  t.teardown(() => two.close());
  const r = await two.client.post('/predict-sequence?detect=never', JSON.stringify({ frames: frames.map(b64) }), { 'content-type': 'application/json' });
  t.equal(r.status, 200);
  t.match(r.body.sequence, { method: 'lstm', framesUsed: 4 });
  const one = await two.client.post('/predict?detect=never', frames[1], { 'content-type': 'image/png' });
  t.equal(one.status, 200);
  t.same(probs(one.body.results[0].faces[0].expression).map((v) => v.toFixed(5)), probs(r.body.frames[1].face.expression).map((v) => v.toFixed(5)));
});

t.test('detect=always with no faces: null faces, no clip expression', async (t) => {
  const r = await plain.client.postFiles('/predict-sequence?detect=always', [['f', 'a.png', frames[0], 'image/png']]);
  t.equal(r.status, 200);
  t.match(r.body.frames[0], { detection: 'none-found', face: null, tracked: false });
  t.match(r.body.sequence, { method: 'ema', framesUsed: 0, expression: null });
});

t.test('the face is tracked across moving frames', { skip: HAVE_DATA ? false : NO_DATA_REASON }, async (t) => {
  const astro = readFileSync(ASTRONAUT);
  // A second, smaller face pasted in the corner: the largest face is the one followed.
  const small = await sharp(astro).extract({ left: 150, top: 50, width: 150, height: 150 }).resize(60, 60).png().toBuffer();
  const clip = await Promise.all(
    [0, 12, 24].map((dx) =>
      sharp(astro)
        .extract({ left: 40 + dx, top: 20, width: 400, height: 400 })
        .composite([{ input: small, left: 330, top: 330 }])
        .png()
        .toBuffer(),
    ),
  );
  const r = await plain.client.postFiles(
    '/predict-sequence',
    clip.map((c, i) => ['frames', `${i}.png`, c, 'image/png']),
  );
  t.equal(r.status, 200);
  const xs = r.body.frames.map((f: any) => f.face.box.x);
  t.same(
    r.body.frames.map((f: any) => f.tracked),
    [false, true, true],
  );
  t.ok(xs[0] > xs[1] && xs[1] > xs[2], `the face moves left as the window moves right: ${xs.join(', ')}`);
  for (const f of r.body.frames) t.ok(f.face.box.width > 60, 'the big face, not the small one');
});

t.test('every face tracked: two faces moving and crossing, one leaving the frame', { skip: HAVE_DATA ? false : NO_DATA_REASON }, async (t) => {
  // 640x480 frames. A (90 px) moves right 40 px a frame from x 330 and leaves the picture; B
  // (110 px, the largest) moves left from x 560, 125 px lower, 30 px a frame: they cross around frame 3.
  const N = 12;
  const A = (f: number): Placement => ({ cx: 330 + 40 * f, cy: 150, size: 90 });
  const B = (f: number): Placement => ({ cx: 560 - 30 * f, cy: 275, size: 110, flip: true, brightness: 0.9 });
  const clip = await Promise.all(Array.from({ length: N }, (_, f) => groupPicture(640, 480, [A(f), B(f)], 5)));
  const r = await plain.client.postFiles(
    '/predict-sequence',
    clip.map((c, i) => ['frames', `${i}.png`, c.png, 'image/png']),
  );
  t.equal(r.status, 200);
  const tracks: any[] = r.body.tracks;
  t.equal(tracks.length, 2, 'two tracks');
  const whose = (tr: any) => (boxIou(tr.frames[0].box, trueBox(A(tr.frames[0].index))) >= 0.5 ? 'A' : 'B');
  const [ta, tb] = [tracks.find((tr) => whose(tr) === 'A'), tracks.find((tr) => whose(tr) === 'B')];
  t.ok(ta && tb, 'one track per face');
  for (const [tr, path] of [
    [ta, A],
    [tb, B],
  ] as const) {
    const off = tr.frames.filter((f: any) => boxIou(f.box, trueBox(path(f.index))) < 0.5).map((f: any) => f.index);
    t.same(off, [], `track ${tr.id} stays on its face in every frame it covers`);
    t.same(
      tr.frames.map((f: any) => f.index),
      Array.from({ length: tr.lastFrame - tr.firstFrame + 1 }, (_, i) => tr.firstFrame + i),
      `track ${tr.id}: frames ${tr.firstFrame} to ${tr.lastFrame}, none missed`,
    );
    t.match(tr.sequence, { method: 'ema', alpha: ALPHA, framesUsed: tr.frames.length });
    t.ok(LABELS.includes(tr.sequence.expression.label));
    for (const f of tr.frames) t.ok(LABELS.includes(f.expression.label), 'a label per frame');
  }
  t.equal(tb.firstFrame, 0);
  t.equal(tb.lastFrame, N - 1, 'B stays to the end');
  t.equal(ta.firstFrame, 0);
  t.ok(ta.lastFrame < N - 2, `A ends when it leaves (last seen in frame ${ta.lastFrame})`);
  t.ok(ta.lastFrame >= 6, 'after the crossing');
  // The compatible answer follows the largest face, B, and names its track.
  t.same(
    r.body.frames.map((f: any) => f.trackId),
    Array(N).fill(tb.id),
  );
  t.same(
    r.body.frames.map((f: any) => f.face.box),
    tb.frames.map((f: any) => f.box),
  );
});

t.test('FER2013 crops as a clip', { skip: HAVE_DATA ? false : NO_DATA_REASON }, async (t) => {
  const crops = ferCrops('happy', 3);
  const r = await lstm.client.postFiles(
    '/predict-sequence?detect=never',
    crops.map((c) => ['frames', c.name, c.data, 'image/jpeg']),
  );
  t.equal(r.status, 200);
  t.match(r.body.sequence, { method: 'lstm', framesUsed: 3 });
});

t.test('bad input', async (t) => {
  const many = Array.from({ length: MAX_FRAMES + 1 }, () => b64(frames[0]));
  const cases: [string, () => Promise<any>, number, string][] = [
    ['too many frames (JSON)', () => plain.client.post('/predict-sequence', JSON.stringify({ frames: many }), { 'content-type': 'application/json' }), 413, 'FER_ERR_TOO_MANY_FRAMES'],
    ['too many frames (multipart)', () => plain.client.postFiles('/predict-sequence', many.map((_, i) => ['f', `${i}.png`, frames[0], 'image/png'])), 413, 'FER_ERR_TOO_MANY_FRAMES'],
    ['no frames field', () => plain.client.post('/predict-sequence', JSON.stringify({ images: [] }), { 'content-type': 'application/json' }), 400, 'FER_ERR_MISSING_FIELD'],
    ['empty frames', () => plain.client.post('/predict-sequence', JSON.stringify({ frames: [] }), { 'content-type': 'application/json' }), 400, 'FER_ERR_MISSING_FIELD'],
    ['invalid JSON', () => plain.client.post('/predict-sequence', '{"frames": [', { 'content-type': 'application/json' }), 400, 'FER_ERR_BAD_REQUEST'],
    ['not base64', () => plain.client.post('/predict-sequence', JSON.stringify({ frames: ['%%%'] }), { 'content-type': 'application/json' }), 400, 'FER_ERR_BAD_IMAGE'],
    ['a corrupt frame', () => plain.client.post('/predict-sequence', JSON.stringify({ frames: [b64(frames[0]), b64(frames[1].subarray(0, 40))] }), { 'content-type': 'application/json' }), 400, 'FER_ERR_BAD_IMAGE'],
    ['a raw image body', () => plain.client.post('/predict-sequence', frames[0], { 'content-type': 'image/png' }), 415, 'FER_ERR_UNSUPPORTED_TYPE'],
  ];
  for (const [name, send, status, code] of cases) {
    const r = await send();
    t.equal(r.status, status, name);
    t.equal(r.body.error, code, `${name}: ${r.body.message}`);
  }
  const bad = await plain.client.post('/predict-sequence', JSON.stringify({ frames: [b64(frames[0]), b64(frames[1].subarray(0, 40))] }), { 'content-type': 'application/json' });
  t.match(bad.body.message, /frame 2/, 'names the frame');
});
