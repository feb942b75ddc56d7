/**
 * Images that are cheap to send and dear to decode, against the built server (issue #12 items 2
 * and 7): each image is judged from its header before anything is decoded (pixels, longest side,
 * aspect ratio), a request's pixels are capped, and the pixels being decoded over all requests
 * are budgeted, so RSS stays under 1 GB; sequence frames are decoded in parallel.
 * The 64-client load figure is in bench/hostile.ts.
 */
import t from 'tap';
import { pngWithClaimedSize } from '../../services/test/fixtures/helpers.js';
import { NOT_BUILT, flatPng, noisePng, metric, responseErrors, rss, startHostile, stripPng } from './fixtures.js';

const decodes = (url: string) => metric(url, 'fer_stage_duration_seconds_count', { stage: 'decode' });

async function postImages(url: string, path: string, field: string, images: Buffer[]) {
  const form = new FormData();
  images.forEach((img, i) => form.append(field, new Blob([new Uint8Array(img)], { type: 'image/png' }), `${i}.png`));
  const t0 = performance.now();
  const r = await fetch(`${url}${path}`, { method: 'POST', body: form });
  const body = (await r.json()) as any;
  const errors = responseErrors('POST', path.split('?')[0], r.status, r.headers.get('content-type') ?? '', body);
  return { status: r.status, body, ms: performance.now() - t0, errors };
}

t.test('decode cost from the header', { skip: NOT_BUILT }, async (t) => {
  const s = await startHostile();
  t.teardown(s.stop);
  const big = await flatPng(5000, 5000);

  t.test('a 1 x 24,000,000 PNG is refused from its header, nothing decoded', async (t) => {
    const strip = stripPng(1, 24_000_000);
    t.ok(strip.length < 200_000, `${Math.round(strip.length / 1024)} KB to send`);
    const before = await decodes(s.url);
    const r = await postImages(s.url, '/predict', 'image', [strip]);
    t.equal(r.status, 413);
    t.match(r.body, { error: 'FER_ERR_IMAGE_TOO_LARGE', message: /1x24000000 pixels: the longest side is over 10000 pixels/ });
    t.same(r.errors, []);
    t.equal(await decodes(s.url), before, `nothing decoded (answered in ${Math.round(r.ms)} ms)`);

    const wide = await postImages(s.url, '/predict', 'image', [await pngWithClaimedSize(12_000, 2_000)]);
    t.equal(wide.status, 413);
    t.match(wide.body, { error: 'FER_ERR_IMAGE_TOO_LARGE', message: /longest side is over 10000/ });
    const thin = await postImages(s.url, '/predict', 'image', [await pngWithClaimedSize(9_000, 300)]);
    t.match(thin.body, { error: 'FER_ERR_IMAGE_TOO_LARGE', message: /9000x300 pixels: the aspect ratio is over 10:1/ });
    const bomb = await postImages(s.url, '/predict', 'image', [await pngWithClaimedSize(6_000, 6_000)]);
    t.match(bomb.body, { error: 'FER_ERR_IMAGE_TOO_LARGE', message: /over the limit of 25000000 pixels/ });
  });

  t.test('sixteen 5000x5000 PNGs in one request: 413 from their headers, RSS under 1 GB', async (t) => {
    t.ok(big.length < 100_000, `each ${Math.round(big.length / 1024)} KB`);
    const before = await decodes(s.url);
    const r = await postImages(s.url, '/predict', 'image', Array(16).fill(big));
    t.equal(r.status, 413);
    t.match(r.body, { error: 'FER_ERR_TOO_MANY_PIXELS', message: /400000000 pixels in all, over the limit of 64000000/ });
    t.same(r.errors, []);
    t.equal(await decodes(s.url), before, 'nothing decoded');
    t.ok(rss(s.pid).peak < 1024, `peak RSS ${Math.round(rss(s.pid).peak)} MiB`);
  });

  t.test('three worst legal requests at once (two 5000x5000 each) all answer, within the pixel budget: peak RSS under 1 GB', async (t) => {
    const rs = await Promise.all([0, 1, 2].map(() => postImages(s.url, '/predict', 'image', [big, big])));
    for (const r of rs) {
      t.equal(r.status, 200);
      t.same(r.errors, []);
      t.same(
        r.body.results.map((x: { width: number; height: number }) => [x.width, x.height]),
        [
          [5000, 5000],
          [5000, 5000],
        ],
      );
    }
    const { peak } = rss(s.pid);
    t.ok(peak < 1024, `peak RSS of the server ${Math.round(peak)} MiB`);
  });

  t.test('sequence frames are decoded in parallel: their decode times add up to well over what the request took', async (t) => {
    const frame = await noisePng(1500, 1500);
    // detect=never: the decodes are all there is to the frames (one after the other, the sum of
    // their times could not pass the request's).
    const r = await postImages(s.url, '/predict-sequence?detect=never', 'frames', Array(8).fill(frame));
    t.equal(r.status, 200);
    t.same(r.errors, []);
    t.equal(r.body.frames.length, 8);
    const { decodeMs, totalMs } = r.body.timings;
    t.ok(decodeMs > 1.5 * totalMs, `8 frames: ${decodeMs} ms of decoding in ${totalMs} ms`);
  });
});
