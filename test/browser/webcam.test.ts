// The webcam view in Debian's chromium with its fake camera playing a clip built from
// astronaut.png: frames go to the real server (bundled default model) at a steady rate, and
// smoothed labels, the timeline, frames per second and latency arrive; a denied camera is a
// message and the page keeps working.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer } from '../../services/test/fixtures/helpers.js';
import { ASTRONAUT } from '../shared-data.js';
import { BROWSER_SKIP, DEFAULT_MODEL, canvasPixel, launch, screenshot, watchedPage } from './browser.js';
import { writeFaceClip } from './fake-camera.js';

t.test('webcam view', { skip: BROWSER_SKIP }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'amft-camera-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const clip = join(dir, 'face.y4m');
  await writeFaceClip(clip, ASTRONAUT);

  const server = await startTestServer({ modelDir: DEFAULT_MODEL, workers: 1 });
  t.teardown(() => server.close());
  const browser = await launch(['--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${clip}`]);
  t.teardown(() => browser.close());

  t.test('camera granted: live labels, timeline, fps and latency', async (t) => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, permissions: ['camera'] });
    const w = await watchedPage(context);
    const { page } = w;
    await page.goto(`${server.url}/#webcam`);
    t.ok(await page.locator('#webcam').isVisible(), '#webcam opens the webcam view');
    await page.click('#webcam-start');
    await page.locator('#webcam-status[data-kind="ok"]').waitFor();
    t.match(await page.locator('#webcam-status').textContent(), /Camera on: sending 5 frames per second/);

    // Labels arrive for the tracked face, and keep arriving.
    await page.locator('#webcam-faces .face-label').first().waitFor({ timeout: 30_000 });
    await page.waitForFunction(() => Number(document.getElementById('webcam-stats')?.dataset.frames ?? 0) >= 12, undefined, { timeout: 60_000 });
    const caption = await page.locator('#webcam-faces figcaption').first().textContent();
    t.match(caption, /^Face #\d+ \(smoothed\): (angry|disgust|fear|happy|sad|surprise|neutral) \d+%$/, `live label: ${caption}`);
    t.equal(await page.locator('#webcam-faces .face-card').count(), 1, 'one face in the clip, one track');
    const stats = await page.locator('#webcam-stats').textContent();
    t.match(stats, /^\d+\.\d frames\/s · latency \d+ ms \(median \d+ ms\) · \d+ sent, \d+ skipped while busy$/, stats ?? '');
    const fps = Number(/^([\d.]+) frames/.exec(stats ?? '')?.[1]);
    t.ok(fps > 0 && fps <= 5.5, `frames/s measured, never above the chosen rate of 5 (${fps})`);

    // The overlay has a box; the timeline strip has coloured segments near "now".
    t.ok(await page.locator('#webcam-overlay').evaluate((c) => (c as HTMLCanvasElement).width > 0), 'overlay sized to the frame');
    const tl = await page.locator('#webcam-timeline').evaluate((c) => ({ w: (c as HTMLCanvasElement).width, h: (c as HTMLCanvasElement).height }));
    const nearNow = await canvasPixel(page, '#webcam-timeline', tl.w - 30, 20);
    t.notSame(nearNow.slice(0, 3), [0xf4, 0xf5, 0xf7], `timeline has a label colour near now: ${nearNow}`);
    await screenshot(page, 'webcam');

    await page.click('#webcam-stop');
    t.equal(await page.locator('#webcam-status').textContent(), 'Camera stopped.');
    const sent = Number(await page.locator('#webcam-stats').getAttribute('data-frames'));
    await page.waitForTimeout(800);
    t.equal(Number(await page.locator('#webcam-stats').getAttribute('data-frames')), sent, 'no frames after Stop');
    t.same(w.errors, [], 'no page errors');
    t.same(w.foreign, [], 'no request off 127.0.0.1');
    t.same(w.failed, [], 'every frame answered');
    t.ok(w.requests.filter((u) => u.includes('/predict?detect=always&faces=near')).length >= 12, 'frames went to /predict');
    await context.close();
  });

  t.test('camera denied: a message, and the page keeps working', async (t) => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 700 }, permissions: [] });
    const w = await watchedPage(context);
    const { page } = w;
    await page.goto(`${server.url}/#webcam`);
    await page.click('#webcam-start');
    await page.locator('#webcam-status[data-kind="error"]').waitFor();
    t.match(await page.locator('#webcam-status').textContent(), /Camera unavailable: permission was denied \(NotAllowedError\)/);
    t.ok(await page.locator('#webcam-start').isEnabled(), 'Start can be pressed again');
    await screenshot(page, 'webcam-denied');
    // The other views still work.
    await page.click('[data-view="photo"]');
    await page.setInputFiles('#photo-file', ASTRONAUT);
    await page.locator('#photo-faces .face-label').first().waitFor();
    t.equal(await page.locator('#photo-faces .face-label').first().textContent(), 'happy');
    t.same(w.errors, [], 'no page errors');
    t.same(w.foreign, []);
    await context.close();
  });
});
