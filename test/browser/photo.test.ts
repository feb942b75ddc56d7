// The page at GET / in Debian's chromium, against the built server as `npm start` runs it
// (services/dist/server.js, the bundled default model) with API keys on: a photo through the file
// input gets its face boxed and labeled; a photo without a face and a file that is not an image
// get clear messages.
import t from 'tap';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { syntheticImage } from '../../services/test/fixtures/helpers.js';
import { readyUrl, runServer } from '../../services/test/fixtures/process.js';
import { ASTRONAUT } from '../shared-data.js';
import { LABEL_COLORS } from '../../services/web/src/labels.js';
import { BROWSER_SKIP, DEFAULT_MODEL, canvasPixel, launch, rgb, screenshot, watchedPage } from './browser.js';

const KEY = 'web-page-test-key-0123456789';
const near = (a: number[], b: number[], tol: number) => a.every((v, i) => Math.abs(v - b[i]) <= tol);

t.test('photo view', { skip: BROWSER_SKIP }, async (t) => {
  const server = runServer(['--port', '0', '--model-dir', DEFAULT_MODEL, '--workers', '1'], { FER_HOST: '127.0.0.1', FER_API_KEYS: KEY });
  t.teardown(async () => {
    server.child.kill('SIGTERM');
    await server.exit;
  });
  const url = await readyUrl(server);
  const browser = await launch();
  t.teardown(() => browser.close());
  const context = await browser.newContext({ viewport: { width: 1000, height: 760 } });
  const w = await watchedPage(context);
  const { page } = w;

  const home = await page.goto(`${url}/`);
  t.equal(home?.status(), 200, 'the page is served without an API key');
  t.match(home?.headers()['content-security-policy'] ?? '', /default-src 'self'/);
  t.equal(await page.locator('input[type=file]#photo-file').count(), 1, 'a file input exists');

  t.test('without the key: the service refusal is shown', async (t) => {
    await page.setInputFiles('#photo-file', ASTRONAUT);
    await page.locator('#photo-status[data-kind="error"]').waitFor();
    t.match(await page.locator('#photo-status').textContent(), /missing API key.*enter an API key/);
  });

  let face: { box: { x: number; y: number; width: number; height: number } } | undefined;
  t.test('astronaut.png: "happy" and a drawn box', async (t) => {
    await page.fill('#api-key', KEY);
    await page.locator('#api-key').blur(); // change event: the key is stored
    t.equal(await page.evaluate(() => sessionStorage.getItem('amft.apiKey')), KEY, 'key kept in sessionStorage');
    await page.setInputFiles('#photo-file', []);
    const answered = page.waitForResponse((r) => r.url().includes('/predict'));
    await page.setInputFiles('#photo-file', ASTRONAUT);
    const res = await answered;
    t.equal(res.status(), 200);
    t.equal(res.request().headers().authorization, `Bearer ${KEY}`, 'the key is sent as a Bearer token');
    const body = (await res.json()) as { results: { faces: (typeof face & {})[] }[] };
    t.equal(body.results[0].faces.length, 1);
    face = body.results[0].faces[0];

    await page.locator('#photo-faces .face-label').first().waitFor();
    t.equal(await page.locator('#photo-faces .face-label').textContent(), 'happy');
    t.match(await page.locator('#photo-status').textContent(), /1 face found in astronaut\.png/);
    t.equal(await page.locator('#photo-faces .bars li').count(), 7, 'one bar per expression');
    t.match(await page.locator('#photo-timings').textContent(), /infer.*ms.*round trip/s);

    // The box: its edges (away from the keypoints) are the colour of "happy"; inside, the photo as it is.
    const photo = await sharp(readFileSync(ASTRONAUT)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const original = (x: number, y: number) => [...photo.data.subarray(3 * (Math.round(y) * photo.info.width + Math.round(x)), 3 * (Math.round(y) * photo.info.width + Math.round(x)) + 3)];
    const { x, y, width, height } = face.box;
    const happy = rgb(LABEL_COLORS.happy);
    for (const [px, py] of [
      [x + width, y + height * 0.85],
      [x + width * 0.3, y + height],
      [x, y + height * 0.85],
    ]) {
      const drawn = (await canvasPixel(page, '#photo-canvas', px, py)).slice(0, 3);
      t.ok(near(drawn, happy, 8), `box edge at ${px.toFixed(0)},${py.toFixed(0)} is drawn: ${drawn}`);
      t.notOk(near(original(px, py), happy, 40), 'where the photo has another colour');
    }
    const inside = (await canvasPixel(page, '#photo-canvas', x + width * 0.3, y + height * 0.55)).slice(0, 3);
    t.ok(near(inside, original(x + width * 0.3, y + height * 0.55), 3), 'inside the box, the photo itself');
    await screenshot(page, 'photo');
  });

  t.test('a photo dropped on the view', async (t) => {
    await page.setInputFiles('#photo-file', []);
    await page.evaluate(() => document.getElementById('photo-faces')?.replaceChildren());
    const bytes = readFileSync(ASTRONAUT).toString('base64');
    const transfer = await page.evaluateHandle((b64) => {
      const dt = new DataTransfer();
      dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], 'dropped.png', { type: 'image/png' }));
      return dt;
    }, bytes);
    await page.dispatchEvent('#photo', 'dragover', { dataTransfer: transfer });
    await page.dispatchEvent('#photo', 'drop', { dataTransfer: transfer });
    await page.locator('#photo-status', { hasText: 'dropped.png' }).waitFor();
    await page.locator('#photo-faces .face-label').first().waitFor();
    t.equal(await page.locator('#photo-faces .face-label').textContent(), 'happy');
    t.match(await page.locator('#photo-status').textContent(), /1 face found in dropped\.png/);
  });

  t.test('a photo without a face: a message, no face card', async (t) => {
    await page.setInputFiles('#photo-file', { name: 'gradient.png', mimeType: 'image/png', buffer: await syntheticImage(320, 240, 'png') });
    await page.locator('#photo-status[data-kind="warn"]').waitFor();
    t.match(await page.locator('#photo-status').textContent(), /No face found in gradient\.png/);
    t.equal(await page.locator('#photo-faces .face-card').count(), 0);
  });

  t.test('a file that is not an image: the service message', async (t) => {
    await page.setInputFiles('#photo-file', { name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('not a picture at all') });
    await page.locator('#photo-status[data-kind="error"]').waitFor();
    t.match(await page.locator('#photo-status').textContent(), /image 'notes\.png' could not be decoded.*FER_ERR_BAD_IMAGE/);
    await screenshot(page, 'photo-rejected');
  });

  t.test('no page errors, no request off 127.0.0.1', async (t) => {
    t.same(w.errors, []);
    t.same(w.foreign, []);
    t.same(w.failed, ['401 GET /v1/model', '401 POST /predict', '400 POST /predict'], 'only the refusals the test asked for (no key yet; not an image)');
  });
});
