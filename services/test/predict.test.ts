import t, { type Test } from 'tap';
import { LABELS } from '@amft/shared';
import {
  ASTRONAUT,
  HAVE_DATA,
  NO_DATA_REASON,
  ferCrops,
  median,
  percentile,
  pngWithClaimedSize,
  startTestServer,
  syntheticImage,
  type Res,
} from './fixtures/helpers.js';
import { readFileSync } from 'node:fs';
import { boxIou } from '../src/pipeline/detect/index.js';
import { groupPicture, matchBoxes, rows } from './fixtures/group-picture.js';

const MAX_FILES = 4;
const MAX_FILE_BYTES = 2 * 1024 * 1024;
const MAX_PIXELS = 1_000_000;

const server = await startTestServer({ maxFiles: MAX_FILES, maxFileBytes: MAX_FILE_BYTES, maxPixels: MAX_PIXELS });
const api = server.client;
t.teardown(() => server.close());

const sumsToOne = (p: Record<string, number>) => Math.abs(Object.values(p).reduce((a, b) => a + b, 0) - 1) < 1e-4;

function checkFace(t: Test, face: any) {
  t.ok(LABELS.includes(face.expression.label), 'label is one of the seven');
  t.same(Object.keys(face.expression.probabilities), [...LABELS], 'probabilities keyed by label, FER2013 order');
  t.ok(sumsToOne(face.expression.probabilities), 'probabilities sum to 1');
  t.equal(face.expression.confidence, face.expression.probabilities[face.expression.label], 'confidence is the label probability');
  t.equal(face.expression.confidence, Math.max(...(Object.values(face.expression.probabilities) as number[])), 'label is the argmax');
}

t.test('raw image body, detect=never: the whole image is the face', async (t) => {
  const img = await syntheticImage(48, 48, 'png');
  const r = await api.post('/predict?detect=never', img, { 'content-type': 'image/png' });
  t.equal(r.status, 200);
  t.equal(r.body.results.length, 1);
  const res = r.body.results[0];
  t.match(res, { width: 48, height: 48, detection: 'whole-image' });
  t.equal(res.faces.length, 1);
  t.same(res.faces[0].box, { x: 0, y: 0, width: 48, height: 48 });
  t.equal(res.faces[0].score, null);
  t.notOk('landmarks' in res.faces[0]);
  checkFace(t, res.faces[0]);
  t.same(r.body.model, { name: 'fixture', variant: 'lite', provider: 'cpu' });
  t.ok(r.body.timings.totalMs >= r.body.timings.inferMs);
});

t.test('detect=auto on an image without a face falls back to the whole image, and says so', async (t) => {
  const r = await api.post('/predict', await syntheticImage(64, 40, 'jpeg'), { 'content-type': 'image/jpeg' });
  t.equal(r.status, 200);
  t.equal(r.body.results[0].detection, 'none-found-whole-image');
  t.equal(r.body.results[0].faces.length, 1);
  t.same(r.body.results[0].faces[0].box, { x: 0, y: 0, width: 64, height: 40 });
});

t.test('detect=auto on a picture larger than a crop without a face: zero faces, and says so', async (t) => {
  // The fixture model's input is 48x48: up to 96 px an image may be a face crop, above it is a picture.
  const r = await api.postFiles('/predict', [
    ['image', 'picture.jpg', await syntheticImage(199, 148, 'jpeg'), 'image/jpeg'],
    ['image', 'crop.png', await syntheticImage(96, 80, 'png'), 'image/png'],
  ]);
  t.equal(r.status, 200);
  t.match(r.body.results[0], { width: 199, height: 148, detection: 'none-found', faces: [] });
  t.match(r.body.results[1], { width: 96, height: 80, detection: 'none-found-whole-image' });
  t.equal(r.body.results[1].faces.length, 1);
});

t.test('group picture: faces=all finds every face, faces=near the large ones; minFaceSize', { skip: HAVE_DATA ? false : NO_DATA_REASON }, async (t) => {
  const sizes = [40, 48, 64, 100, 150];
  const { png, truth } = await groupPicture(640, 480, rows(640, 480, sizes), 2);
  const send = (q: string) => api.post(`/predict${q}`, png, { 'content-type': 'image/png' });
  const all = await send('');
  t.equal(all.status, 200);
  const m = matchBoxes(
    all.body.results[0].faces.map((f: any) => f.box),
    truth,
    boxIou,
  );
  t.same(m.missed, [], 'default (faces=all): every face');
  t.same(m.extra, [], 'nothing extra');
  for (const f of all.body.results[0].faces) checkFace(t, f);
  const near = await send('?faces=near');
  t.ok(near.body.results[0].faces.length < sizes.length, `faces=near: ${near.body.results[0].faces.length} of ${sizes.length}`);
  const big = await send('?minFaceSize=90');
  t.same(
    big.body.results[0].faces.map((f: any) => Math.round(f.box.width / 50) * 50).sort((a: number, b: number) => a - b),
    [100, 150],
    'minFaceSize=90: the two faces over 90 px',
  );
});

t.test('detect=always on an image without a face: zero faces is an answer', async (t) => {
  const r = await api.post('/predict?detect=always', await syntheticImage(64, 64, 'webp'), { 'content-type': 'image/webp' });
  t.equal(r.status, 200);
  t.match(r.body.results[0], { detection: 'none-found', faces: [] });
});

t.test('multipart: several files (PNG, JPEG, WebP), one result per image in order', async (t) => {
  const files: [string, string, Uint8Array, string][] = [
    ['image', 'a.png', await syntheticImage(30, 20, 'png', 1), 'image/png'],
    ['image', 'b.jpg', await syntheticImage(50, 60, 'jpeg', 2), 'image/jpeg'],
    ['other', 'c.webp', await syntheticImage(70, 10, 'webp', 3), 'image/webp'],
  ];
  const r = await api.postFiles('/predict?detect=never', files);
  t.equal(r.status, 200);
  t.same(
    r.body.results.map((x: any) => [x.width, x.height]),
    [
      [30, 20],
      [50, 60],
      [70, 10],
    ],
  );
  for (const x of r.body.results) checkFace(t, x.faces[0]);
});

t.test('the same image gives the same answer alone, in a batch, raw or multipart', async (t) => {
  const img = await syntheticImage(48, 48, 'png', 5);
  const a = await api.post('/predict?detect=never', img, { 'content-type': 'image/png' });
  const b = await api.postFiles('/predict?detect=never', [
    ['image', 'x.png', await syntheticImage(48, 48, 'png', 6)],
    ['image', 'y.png', img],
  ]);
  const pa = a.body.results[0].faces[0].expression.probabilities;
  const pb = b.body.results[1].faces[0].expression.probabilities;
  for (const l of LABELS) t.ok(Math.abs(pa[l] - pb[l]) < 1e-5, `${l} equal`);
});

t.test('EXIF orientation is applied before anything else', async (t) => {
  // 40x20 landscape pixels tagged "rotate 90° CW" (orientation 6): upright it is 20x40.
  const img = await (await import('sharp')).default(await syntheticImage(40, 20, 'png')).jpeg().withMetadata({ orientation: 6 }).toBuffer();
  const r = await api.post('/predict?detect=never', img, { 'content-type': 'image/jpeg' });
  t.equal(r.status, 200);
  t.match(r.body.results[0], { width: 20, height: 40 });
});

t.test('real images', { skip: HAVE_DATA ? false : NO_DATA_REASON }, async (t) => {
  t.test('astronaut.png: exactly one face with a plausible box and landmarks', async (t) => {
    const r = await api.postFiles('/predict', [['image', 'astronaut.png', readFileSync(ASTRONAUT), 'image/png']]);
    t.equal(r.status, 200);
    const res = r.body.results[0];
    t.match(res, { width: 512, height: 512, detection: 'detected' });
    t.equal(res.faces.length, 1, 'one face');
    const f = res.faces[0];
    t.ok(f.score > 0.75, `confident detection (${f.score})`);
    // The face is in the upper middle of the portrait, about a fifth of the image wide.
    const { x, y, width, height } = f.box;
    t.ok(width > 60 && width < 160 && height > 60 && height < 180, `face-sized box ${width}x${height}`);
    t.ok(x > 120 && x + width < 340 && y > 30 && y + height < 260, `box at ${x},${y}`);
    const l = f.landmarks;
    for (const p of Object.values(l) as { x: number; y: number }[]) t.ok(p.x >= x - 20 && p.x <= x + width + 20 && p.y >= y - 20 && p.y <= y + height + 20, 'landmark near the box');
    t.ok(l.rightEye.x < l.leftEye.x, "the subject's right eye is on the image's left");
    t.ok(l.noseTip.y > l.rightEye.y && l.mouth.y > l.noseTip.y, 'eyes above nose above mouth');
    checkFace(t, f);
  });

  t.test('FER2013 crops with detect=never: one whole-image face each', async (t) => {
    const crops = ['angry', 'happy', 'surprise', 'neutral'].map((c) => ferCrops(c, 1)[0]);
    const r = await api.postFiles(
      '/predict?detect=never',
      crops.map((c) => ['image', c.name, c.data, 'image/jpeg']),
    );
    t.equal(r.status, 200);
    t.equal(r.body.results.length, crops.length);
    for (const res of r.body.results) {
      t.match(res, { width: 48, height: 48, detection: 'whole-image' });
      checkFace(t, res.faces[0]);
    }
  });

  t.test('latency of /predict (sequential, warm)', async (t) => {
    const astro = readFileSync(ASTRONAUT);
    const crop = ferCrops('happy', 1)[0].data;
    const measure = async (body: Buffer, type: string, query: string) => {
      const times: number[] = [];
      for (let i = 0; i < 23; i++) {
        const r: Res = await api.post(`/predict${query}`, body, { 'content-type': type });
        t.equal(r.status, 200);
        if (i >= 3) times.push(r.ms);
      }
      return times;
    };
    const a = await measure(astro, 'image/png', '');
    const c = await measure(crop, 'image/jpeg', '?detect=never');
    const c2 = await measure(crop, 'image/jpeg', '');
    t.comment(`astronaut.png 512x512 detect=auto: median ${median(a).toFixed(1)} ms, p95 ${percentile(a, 95).toFixed(1)} ms`);
    t.comment(`48x48 crop detect=never: median ${median(c).toFixed(1)} ms, p95 ${percentile(c, 95).toFixed(1)} ms`);
    t.comment(`48x48 crop detect=auto: median ${median(c2).toFixed(1)} ms, p95 ${percentile(c2, 95).toFixed(1)} ms`);
    t.ok(median(a) < 2000 && median(c) < 2000, 'answers in well under 2 s');
  });
});

t.test('bad input: 4xx JSON naming the problem, never a stack', async (t) => {
  const png = await syntheticImage(32, 32, 'png');
  const jpeg = await syntheticImage(64, 64, 'jpeg');
  const cases: [string, () => Promise<Res>, number, string, RegExp][] = [
    ['corrupt JPEG (truncated)', () => api.post('/predict', jpeg.subarray(0, jpeg.length / 2), { 'content-type': 'image/jpeg' }), 400, 'FER_ERR_BAD_IMAGE', /could not be decoded/],
    ['corrupt PNG (garbage after the signature)', () => api.postFiles('/predict', [['image', 'bad.png', Buffer.concat([png.subarray(0, 16), Buffer.alloc(200, 7)]), 'image/png']]), 400, 'FER_ERR_BAD_IMAGE', /'bad.png'/],
    ['bytes that claim to be a PNG', () => api.postFiles('/predict', [['image', 'x.png', Buffer.from('this is not an image at all'), 'image/png']]), 400, 'FER_ERR_BAD_IMAGE', /not a PNG/],
    ['empty image file', () => api.postFiles('/predict', [['image', 'empty.png', new Uint8Array(0), 'image/png']]), 400, 'FER_ERR_BAD_IMAGE', /empty/],
    ['empty raw body', () => api.post('/predict', new Uint8Array(0), { 'content-type': 'image/png' }), 400, 'FER_ERR_BAD_IMAGE', /empty/],
    ['GIF', async () => api.postFiles('/predict', [['image', 'a.gif', await syntheticImage(16, 16, 'gif'), 'image/gif']]), 415, 'FER_ERR_UNSUPPORTED_TYPE', /GIF/],
    ['TIFF raw body', async () => api.post('/predict', await syntheticImage(16, 16, 'tiff'), { 'content-type': 'image/tiff' }), 415, 'FER_ERR_UNSUPPORTED_TYPE', /TIFF/],
    ['a text file', () => api.postFiles('/predict', [['image', 'notes.txt', Buffer.from('hello'), 'text/plain']]), 415, 'FER_ERR_UNSUPPORTED_TYPE', /notes.txt/],
    ['an XML body', () => api.post('/predict', '<a/>', { 'content-type': 'application/xml' }), 415, 'FER_ERR_UNSUPPORTED_TYPE', /application\/xml/],
    ['a JSON body', () => api.post('/predict', '{"image":"x"}', { 'content-type': 'application/json' }), 415, 'FER_ERR_UNSUPPORTED_TYPE', /multipart/],
    ['decompression bomb (header claims 50000x50000)', async () => api.post('/predict', await pngWithClaimedSize(50_000, 50_000), { 'content-type': 'image/png' }), 413, 'FER_ERR_IMAGE_TOO_LARGE', /50000x50000.*1000000/],
    ['over the pixel limit (1200x1000 real PNG)', async () => api.postFiles('/predict', [['image', 'big.png', await syntheticImage(1200, 1000, 'png'), 'image/png']]), 413, 'FER_ERR_IMAGE_TOO_LARGE', /'big.png'/],
    ['too many files', () => api.postFiles('/predict', Array.from({ length: MAX_FILES + 1 }, (_, i) => ['image', `${i}.png`, png, 'image/png'] as [string, string, Uint8Array, string])), 413, 'FER_ERR_TOO_MANY_FILES', /at most 4/],
    ['file over the byte limit', () => api.postFiles('/predict', [['image', 'huge.png', Buffer.alloc(MAX_FILE_BYTES + 10), 'image/png']]), 413, 'FER_ERR_FILE_TOO_LARGE', /bytes/],
    ['raw body over the byte limit', () => api.post('/predict', Buffer.alloc(MAX_FILE_BYTES + 10), { 'content-type': 'image/png' }), 413, 'FER_ERR_FILE_TOO_LARGE', /exceeds \d+ bytes/],
    ['multipart without a file (missing field)', () => api.postFiles('/predict', [], { note: 'no image here' }), 400, 'FER_ERR_MISSING_FIELD', /image/],
    ['no body at all', () => api.post('/predict'), 400, 'FER_ERR_MISSING_FIELD', /no body/],
    ['malformed multipart', () => api.post('/predict', '--xyz\r\nContent-Disposition: form-data; name="a"; filename="a.png"\r\n\r\nabc', { 'content-type': 'multipart/form-data; boundary=xyz' }), 400, 'FER_ERR_BAD_REQUEST', /multipart/],
    ['bad detect parameter', () => api.post('/predict?detect=sometimes', png, { 'content-type': 'image/png' }), 400, 'FER_ERR_BAD_PARAMETER', /detect/],
    ['bad faces parameter', () => api.post('/predict?faces=some', png, { 'content-type': 'image/png' }), 400, 'FER_ERR_BAD_PARAMETER', /faces/],
    ['minFaceSize too small', () => api.post('/predict?minFaceSize=4', png, { 'content-type': 'image/png' }), 400, 'FER_ERR_BAD_PARAMETER', /minFaceSize/],
    ['minFaceSize not a number', () => api.post('/predict?minFaceSize=big', png, { 'content-type': 'image/png' }), 400, 'FER_ERR_BAD_PARAMETER', /minFaceSize/],
  ];
  for (const [name, send, status, code, message] of cases) {
    const r = await send();
    t.equal(r.status, status, `${name}: status ${status}`);
    t.equal(r.body.error, code, `${name}: ${code}`);
    t.match(r.body.message, message, `${name}: message names the problem (${r.body.message})`);
    t.same(Object.keys(r.body).sort(), ['error', 'message'], `${name}: body is {error, message}`);
    t.notMatch(r.text, /\bat .*\.(ts|js):\d+/, `${name}: no stack trace`);
  }
  const h = await api.get('/healthz');
  t.equal(h.status, 200, 'still up');
});

t.test('bad requests do not disturb good ones in flight', async (t) => {
  const good = await syntheticImage(48, 48, 'png', 9);
  const bad = Buffer.from('garbage');
  const sends = Array.from({ length: 30 }, (_, i) =>
    i % 3 === 0 ? api.postFiles('/predict', [['image', 'bad.png', bad, 'image/png']]) : api.post('/predict?detect=never', good, { 'content-type': 'image/png' }),
  );
  const rs = await Promise.all(sends);
  rs.forEach((r, i) => t.equal(r.status, i % 3 === 0 ? 400 : 200, `request ${i}`));
});

t.test('100 concurrent requests all succeed, and are batched', async (t) => {
  const imgs = await Promise.all(Array.from({ length: 4 }, (_, i) => syntheticImage(48, 48, 'jpeg', i)));
  const before = (await api.get('/v1/model')).body.runtime.batching;
  const rs = await Promise.all(Array.from({ length: 100 }, (_, i) => api.post('/predict?detect=never', imgs[i % 4], { 'content-type': 'image/jpeg' })));
  t.equal(rs.filter((r) => r.status === 200).length, 100, 'all 100 succeeded');
  const labels = new Map<number, string>();
  rs.forEach((r, i) => {
    const l = JSON.stringify(r.body.results[0].faces[0].expression.probabilities);
    if (labels.has(i % 4)) t.equal(l, labels.get(i % 4), `request ${i} agrees with the same image`);
    else labels.set(i % 4, l);
  });
  const after = (await api.get('/v1/model')).body.runtime.batching;
  t.equal(after.items - before.items, 100, '100 faces inferred');
  t.ok(after.batches - before.batches < 100, `in ${after.batches - before.batches} batches (largest ${after.largestBatch})`);
});

t.test('unknown route: 404 JSON', async (t) => {
  const r = await api.request('GET', '/nope', { validate: false });
  t.equal(r.status, 404);
  t.same(r.body, { error: 'FER_ERR_NOT_FOUND', message: 'route GET /nope not found' });
});
