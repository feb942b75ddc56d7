import t, { type Test } from 'tap';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { LABELS, classificationReport, expectedCalibrationError } from '@amft/shared';
import { HAVE_DATA, NO_DATA_REASON, ferCrops, startTestServer, syntheticImage } from './fixtures/helpers.js';

// A data root with images and manifests, and, beside it, a directory it must not reach.
const base = mkdtempSync(join(tmpdir(), 'fer-eval-'));
const root = join(base, 'root');
const outside = join(base, 'outside');
mkdirSync(join(root, 'imgs'), { recursive: true });
mkdirSync(outside);
const imgs = await Promise.all([0, 1, 2, 3, 4].map((s) => syntheticImage(48, 48, 'png', s)));
imgs.forEach((b, i) => writeFileSync(join(root, 'imgs', `${i}.png`), b));
writeFileSync(join(root, 'imgs', 'corrupt.png'), Buffer.from('not a png'));
writeFileSync(join(outside, 'secret.png'), imgs[0]);
writeFileSync(join(outside, 'm.csv'), 'path,label\nimgs/0.png,happy\n');
symlinkSync(outside, join(root, 'link'));
symlinkSync(join(outside, 'm.csv'), join(root, 'manifest-link.csv'));
writeFileSync(join(root, 'good.csv'), ['path,label', 'imgs/0.png,happy', 'imgs/1.png,3', 'imgs/2.png,sad', 'imgs/missing.png,fear', 'imgs/corrupt.png,angry', 'imgs/3.png,grumpy', 'imgs/4.png,neutral,extra', 'imgs/4.png,Neutral'].join('\n'));
writeFileSync(join(root, 'escape-dotdot.csv'), 'path,label\nimgs/0.png,happy\n../outside/secret.png,happy\n');
writeFileSync(join(root, 'escape-abs.csv'), `path,label\n${join(outside, 'secret.png')},happy\n`);
writeFileSync(join(root, 'escape-link.csv'), 'path,label\nlink/secret.png,happy\n');

const MAX_ROWS = 50;
const server = await startTestServer({ dataRoot: root, maxEvalRows: MAX_ROWS });
const api = server.client;
const noRoot = await startTestServer({});
t.teardown(async () => {
  await server.close();
  await noRoot.close();
});

const json = (o: unknown) => JSON.stringify(o);
const JSON_CT = { 'content-type': 'application/json' };

/** What /predict (detect=never) says of each image: label index and probabilities, for cross-checking. */
interface Predicted {
  labels: number[];
  probabilities: number[][];
}

async function predictLabels(images: Uint8Array[]): Promise<Predicted> {
  const out: Predicted = { labels: [], probabilities: [] };
  for (const img of images) {
    const r = await api.post('/predict?detect=never', img, { 'content-type': 'application/octet-stream' });
    const expression = r.body.results[0].faces[0].expression;
    out.labels.push(LABELS.indexOf(expression.label));
    out.probabilities.push(LABELS.map((l) => expression.probabilities[l] as number));
  }
  return out;
}

/** Max |Δ| between /evaluate's ECE and the one computed here from /predict's probabilities. */
const ECE_TOLERANCE = 1e-4;

function checkReport(t: Test, body: any, yTrue: number[], predicted: Predicted) {
  const expected = classificationReport(yTrue, predicted.labels, LABELS);
  t.equal(body.count, expected.count, 'count');
  t.equal(body.accuracy, expected.accuracy, 'accuracy');
  t.equal(body.macroF1, expected.macroF1, 'macro-F1');
  t.same(body.labels, [...LABELS]);
  t.same(body.perClass, expected.perClass, 'per class');
  t.same(body.confusionMatrix, expected.confusionMatrix, 'confusion matrix');
  const ece = expectedCalibrationError(predicted.probabilities, yTrue);
  t.ok(Math.abs(body.ece - ece) <= ECE_TOLERANCE, `ECE ${body.ece} vs ${ece} from /predict's probabilities`);
}

t.test('manifest under the data root: report, bad rows with line numbers', async (t) => {
  const r = await api.post('/evaluate', json({ manifest: 'good.csv' }), JSON_CT);
  t.equal(r.status, 200);
  const yPred = await predictLabels([imgs[0], imgs[1], imgs[2], imgs[4]]);
  checkReport(t, r.body, [3, 3, 4, 6], yPred);
  t.same(r.body.badRows, [
    { line: 5, reason: "no file 'imgs/missing.png' under the data root" },
    { line: 6, reason: r.body.badRows[1].reason },
    { line: 7, reason: "unknown label 'grumpy'" },
    { line: 8, reason: 'expected 2 fields (as the header), got 3' },
  ]);
  t.match(r.body.badRows[1].reason, /corrupt\.png.*(could not be decoded|not a PNG)/);
  t.equal(r.body.badRowCount, 4);
  // Same manifest named in a multipart field.
  const m = await api.postFiles('/evaluate', [], { manifest: 'good.csv' });
  t.equal(m.status, 200);
  t.equal(m.body.count, 4);
});

t.test('text/csv body whose paths resolve under the data root', async (t) => {
  const r = await api.post('/evaluate', 'path,label\nimgs/0.png,happy\nimgs/1.png,angry\n', { 'content-type': 'text/csv' });
  t.equal(r.status, 200);
  checkReport(t, r.body, [3, 0], await predictLabels([imgs[0], imgs[1]]));
});

t.test('CSV uploaded with its images in one multipart request', async (t) => {
  const csv = ['path,label', 'a.png,happy', 'some/dir/b.png,sad', 'c.png,surprise', 'nothere.png,happy', 'bad.png,fear'].join('\n');
  const r = await noRoot.client.postFiles('/evaluate', [
    ['csv', 'labels.csv', Buffer.from(csv), 'text/csv'],
    ['images', 'a.png', imgs[0], 'image/png'],
    ['images', 'b.png', imgs[1], 'image/png'],
    ['images', 'c.png', imgs[2], 'image/png'],
    ['images', 'bad.png', Buffer.from('garbage'), 'image/png'],
  ]);
  t.equal(r.status, 200);
  checkReport(t, r.body, [3, 4, 5], await predictLabels([imgs[0], imgs[1], imgs[2]]));
  t.same(
    r.body.badRows.map((b: any) => b.line),
    [5, 6],
  );
  t.match(r.body.badRows[0].reason, /no uploaded file named 'nothere.png'/);
});

t.test('FER2013 pixel CSV (emotion,pixels,Usage), usage filter, bad rows', async (t) => {
  const gray = await Promise.all(imgs.slice(0, 3).map((b) => sharp(b).greyscale().raw().toBuffer()));
  const px = (g: Buffer) => Array.from(g).join(' ');
  const csv = [
    'emotion,pixels,Usage',
    `3,${px(gray[0])},PublicTest`,
    `0,${px(gray[1])},PublicTest`,
    `6,${px(gray[2])},Training`,
    `9,${px(gray[0])},PublicTest`,
    `2,1 2 3,PublicTest`,
    `2,${px(gray[0]).replace(/^\d+/, '300')},PublicTest`,
  ].join('\n');
  const all = await api.post('/evaluate', csv, { 'content-type': 'text/csv' });
  t.equal(all.status, 200);
  const grayPngs = await Promise.all(gray.map((g) => sharp(g, { raw: { width: 48, height: 48, channels: 1 } }).png().toBuffer()));
  const pred = await predictLabels(grayPngs);
  checkReport(t, all.body, [3, 0, 6], pred);
  t.same(
    all.body.badRows.map((b: any) => b.line),
    [5, 6, 7],
  );
  t.match(all.body.badRows[0].reason, /unknown emotion '9'/);
  t.match(all.body.badRows[1].reason, /3 pixel values/);
  t.match(all.body.badRows[2].reason, /'300'/);
  const pub = await api.post('/evaluate?usage=PublicTest', csv, { 'content-type': 'text/csv' });
  t.equal(pub.body.count, 2, 'only PublicTest rows');
});

t.test('real FER2013 crops: /evaluate agrees with /predict', { skip: HAVE_DATA ? false : NO_DATA_REASON }, async (t) => {
  const crops = LABELS.flatMap((l, i) => ferCrops(l, 2).map((c) => ({ ...c, label: i, labelName: l })));
  const csv = ['path,label', ...crops.map((c) => `${c.labelName}/${c.name},${c.labelName}`)].join('\n');
  const r = await api.postFiles('/evaluate', [['csv', 'val.csv', Buffer.from(csv), 'text/csv'], ...crops.map((c) => ['images', c.name, c.data, 'image/jpeg'] as [string, string, Uint8Array, string])]);
  t.equal(r.status, 200);
  t.equal(r.body.count, 14);
  checkReport(
    t,
    r.body,
    crops.map((c) => c.label),
    await predictLabels(crops.map((c) => c.data)),
  );
  // And as FER2013 pixel rows.
  const rows = await Promise.all(crops.map(async (c) => `${c.label},${Array.from(await sharp(c.data).greyscale().raw().toBuffer()).join(' ')}`));
  const p = await api.post('/evaluate', ['emotion,pixels', ...rows].join('\n'), { 'content-type': 'text/csv' });
  t.equal(p.status, 200);
  t.same(p.body.confusionMatrix, r.body.confusionMatrix, 'pixel CSV gives the same confusion matrix');
});

t.test('paths escaping the data root fail the request', async (t) => {
  const cases: [string, string, number, RegExp][] = [
    ['manifest with ..', '../outside/m.csv', 400, /'\.\.' segments/],
    ['absolute manifest', '/etc/passwd', 400, /absolute/],
    ['manifest through a symlink', 'manifest-link.csv', 400, /outside the data root/],
    ['row with ..', 'escape-dotdot.csv', 400, /'\.\.' segments/],
    ['absolute row', 'escape-abs.csv', 400, /absolute/],
    ['row through a symlinked directory', 'escape-link.csv', 400, /outside the data root/],
  ];
  for (const [name, manifest, status, message] of cases) {
    const r = await api.post('/evaluate', json({ manifest }), JSON_CT);
    t.equal(r.status, status, name);
    t.equal(r.body.error, 'FER_ERR_PATH_ESCAPE', name);
    t.match(r.body.message, message, `${name}: ${r.body.message}`);
    t.notMatch(r.body.message, new RegExp(root), `${name}: the data root's location is not shown`);
  }
  const rowEscape = await api.post('/evaluate', 'path,label\n..\\..\\x.png,happy\n', { 'content-type': 'text/csv' });
  t.equal(rowEscape.status, 400, 'backslash .. too');
});

t.test('bad input', async (t) => {
  const many = ['path,label', ...Array.from({ length: MAX_ROWS + 1 }, () => 'imgs/0.png,happy')].join('\n');
  const cases: [string, () => Promise<any>, number, string, RegExp][] = [
    ['unclosed quote', () => api.post('/evaluate', 'path,label\n"imgs/0.png,happy\n', { 'content-type': 'text/csv' }), 400, 'FER_ERR_BAD_CSV', /quote/i],
    ['header without a label column', () => api.post('/evaluate', 'image,size\na.png,12\n', { 'content-type': 'text/csv' }), 400, 'FER_ERR_BAD_CSV', /path,label/],
    ['empty CSV', () => api.postFiles('/evaluate', [['csv', 'e.csv', new Uint8Array(0), 'text/csv']]), 400, 'FER_ERR_BAD_CSV', /empty/],
    ['binary CSV', () => api.postFiles('/evaluate', [['csv', 'b.csv', imgs[0], 'text/csv']]), 400, 'FER_ERR_BAD_CSV', /NUL|binary|header/],
    ['no csv part', () => api.postFiles('/evaluate', [['images', 'a.png', imgs[0], 'image/png']]), 400, 'FER_ERR_MISSING_FIELD', /csv/],
    ['JSON without manifest', () => api.post('/evaluate', json({ rows: [] }), JSON_CT), 400, 'FER_ERR_MISSING_FIELD', /manifest/],
    ['manifest not there', () => api.post('/evaluate', json({ manifest: 'nope.csv' }), JSON_CT), 404, 'FER_ERR_FILE_NOT_FOUND', /nope\.csv/],
    ['manifest without a data root', () => noRoot.client.post('/evaluate', json({ manifest: 'good.csv' }), JSON_CT), 400, 'FER_ERR_NO_DATA_ROOT', /data root/],
    ['too many rows', () => api.post('/evaluate', many, { 'content-type': 'text/csv' }), 413, 'FER_ERR_TOO_MANY_ROWS', /at most 50/],
    ['an image body', () => api.post('/evaluate', imgs[0], { 'content-type': 'image/png' }), 415, 'FER_ERR_UNSUPPORTED_TYPE', /image\/png/],
    ['usage without a Usage column', () => api.post('/evaluate?usage=PublicTest', 'path,label\nimgs/0.png,happy\n', { 'content-type': 'text/csv' }), 400, 'FER_ERR_BAD_PARAMETER', /Usage column/],
    ['bad detect', () => api.post('/evaluate?detect=maybe', 'path,label\n', { 'content-type': 'text/csv' }), 400, 'FER_ERR_BAD_PARAMETER', /detect/],
  ];
  for (const [name, send, status, code, message] of cases) {
    const r = await send();
    t.equal(r.status, status, name);
    t.equal(r.body.error, code, name);
    t.match(r.body.message, message, `${name}: ${r.body.message}`);
  }
});
