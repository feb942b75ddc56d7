/**
 * POST /predict?annotate=1 (or Accept: image/png): the photo with each face's box, keypoints and
 * label drawn, as PNG; checked pixel by pixel against the JSON answer for the same image.
 */
import t, { type Test } from 'tap';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { ANNOTATION_COLOR, annotationSvg, wantsAnnotation } from '../src/pipeline/annotate.js';
import { ASTRONAUT, HAVE_DATA, NO_DATA_REASON, responseErrors, startTestServer, syntheticImage } from './fixtures/helpers.js';

const server = await startTestServer();
t.teardown(() => server.close());

const COLOR = [1, 3, 5].map((i) => parseInt(ANNOTATION_COLOR.slice(i, i + 2), 16));
const near = (a: number[], b: number[], tol: number) => a.every((v, i) => Math.abs(v - b[i]) <= tol);

/** POSTs one image; returns status, content type and the raw bytes, checked against openapi.yaml. */
async function post(t: Test, query: string, image: Buffer, headers: Record<string, string> = {}, count = 1) {
  const form = new FormData();
  for (let i = 0; i < count; i++) form.append('image', new Blob([new Uint8Array(image)], { type: 'image/png' }), `photo${i}.png`);
  const r = await fetch(`${server.url}/predict${query}`, { method: 'POST', body: form, headers });
  const bytes = Buffer.from(await r.arrayBuffer());
  const type = r.headers.get('content-type') ?? '';
  const body = type.includes('json') ? JSON.parse(bytes.toString('utf8')) : null;
  t.same(responseErrors('POST', '/predict', r.status, type, body), [], `${r.status} ${type} is documented`);
  return { status: r.status, type, bytes, body };
}

/** RGB pixels of an encoded image. */
async function pixels(bytes: Buffer) {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, at: (x: number, y: number) => [...data.subarray(3 * (Math.round(y) * info.width + Math.round(x)), 3 * (Math.round(y) * info.width + Math.round(x)) + 3)] };
}

t.test('astronaut.png with annotate=1: the box of the JSON answer drawn on the photo', { skip: HAVE_DATA ? false : NO_DATA_REASON }, async (t) => {
  const photo = readFileSync(ASTRONAUT);
  const json = await post(t, '', photo);
  t.equal(json.status, 200);
  const face = json.body.results[0].faces[0];
  const { x, y, width, height } = face.box;

  const r = await post(t, '?annotate=1', photo);
  t.equal(r.status, 200);
  t.equal(r.type, 'image/png');
  t.ok(r.bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), 'PNG bytes');
  const drawn = await pixels(r.bytes);
  const original = await pixels(photo);
  t.same([drawn.width, drawn.height], [original.width, original.height], 'the size of the photo');
  for (const [px, py] of [
    [x + width, y + height * 0.85],
    [x + width * 0.3, y + height],
    [x, y + height * 0.85],
  ]) {
    t.ok(near(drawn.at(px, py), COLOR, 2), `box edge at ${px.toFixed(0)},${py.toFixed(0)}: ${drawn.at(px, py)}`);
    t.notOk(near(original.at(px, py), COLOR, 40), 'not that colour in the photo');
  }
  const lm = face.landmarks.noseTip;
  t.ok(near(drawn.at(lm.x, lm.y), COLOR, 2), 'keypoints drawn');
  // Away from the face the photo is untouched.
  for (const [px, py] of [
    [5, 500],
    [450, 300],
    [x + width * 0.5, y + height * 0.9],
  ]) {
    t.same(drawn.at(px, py), original.at(px, py), `photo unchanged at ${px},${py}`);
  }

  const accepted = await post(t, '', photo, { accept: 'image/png' });
  t.equal(accepted.type, 'image/png', 'Accept: image/png asks for the same');
  t.ok(accepted.bytes.equals(r.bytes), 'the same picture');
});

t.test('detect=never: the whole image is the face, its border is the box', async (t) => {
  const img = await syntheticImage(96, 64, 'png');
  const r = await post(t, '?detect=never&annotate=true', img);
  t.equal(r.type, 'image/png');
  const p = await pixels(r.bytes);
  t.same([p.width, p.height], [96, 64]);
  t.ok(near(p.at(0, 40), COLOR, 2), 'left border');
  t.ok(near(p.at(95, 40), COLOR, 2), 'right border');
  t.ok(near(p.at(48, 63), COLOR, 2), 'bottom border');
  t.same(p.at(48, 40), (await pixels(img)).at(48, 40), 'inside unchanged');
});

t.test('no face (detect=always): the photo unchanged, as PNG', async (t) => {
  const img = await syntheticImage(80, 60, 'png', 3);
  const r = await post(t, '?detect=always&annotate=1', img);
  t.equal(r.status, 200);
  t.equal(r.type, 'image/png');
  const [a, b] = [await sharp(r.bytes).raw().toBuffer(), await sharp(img).raw().toBuffer()];
  t.ok(a.equals(b), 'same pixels');
});

t.test('JSON unless asked: annotate=0, Accept naming JSON first, no Accept', async (t) => {
  const img = await syntheticImage(48, 48, 'png');
  for (const [q, h] of [
    ['?detect=never&annotate=0', {}],
    ['?detect=never', { accept: 'application/json, image/png' }],
    ['?detect=never', { accept: 'image/png;q=0, application/json' }],
    ['?detect=never', {}],
  ] as const) {
    const r = await post(t, q, img, h);
    t.equal(r.status, 200);
    t.match(r.type, /^application\/json/, `${q} ${JSON.stringify(h)}`);
  }
});

t.test('refusals: several images, a bad annotate value', async (t) => {
  const img = await syntheticImage(48, 48, 'png');
  const many = await post(t, '?detect=never&annotate=1', img, {}, 2);
  t.equal(many.status, 400);
  t.match(many.body, { error: 'FER_ERR_BAD_PARAMETER', message: /annotate: draws one image per request, 2 were sent/ });
  const bad = await post(t, '?annotate=yes', img);
  t.equal(bad.status, 400);
  t.match(bad.body, { error: 'FER_ERR_BAD_PARAMETER', message: /annotate/ });
});

t.test('wantsAnnotation and the SVG', async (t) => {
  t.ok(wantsAnnotation(true, undefined));
  t.ok(wantsAnnotation(false, 'image/png'));
  t.ok(wantsAnnotation(false, 'image/png;q=0.9, */*;q=0.1'));
  t.notOk(wantsAnnotation(false, '*/*'));
  t.notOk(wantsAnnotation(false, 'application/json, image/png'));
  t.notOk(wantsAnnotation(false, 'image/png;q=0'));
  const svg = annotationSvg(100, 80, [{ box: { x: 10, y: 30, width: 40, height: 40 }, expression: { label: '<b>&"x"', confidence: 0.5 } }]);
  t.match(svg, /&#60;b&#62;&#38;&#34;x&#34; 50%/, 'label text escaped');
  t.notMatch(svg, /<b>/);
  t.throws(() => annotationSvg(10, 10, [], 'red"/><script'), /not #rrggbb/);
});
