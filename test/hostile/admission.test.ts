/**
 * Overload and abandoned work, against the built server (issue #12 items 4, 5 and the deadline
 * of item 1): a request is admitted whole, waits its turn whole, or is refused at once with
 * nothing of it decoded; one
 * bad image stops the images of its request not yet started; a client that goes away stops its
 * /evaluate; a request that cannot finish gets 503 FER_ERR_DEADLINE at its deadline.
 * The throughput figure under overload is in bench/hostile.ts.
 */
import t from 'tap';
import { NOT_BUILT, filler, metric, noisePng, rawRequest, responseErrors, startHostile, stripPng, truncatedPng } from './fixtures.js';

const decodes = (url: string) => metric(url, 'fer_stage_duration_seconds_count', { stage: 'decode' });
const batches = (url: string) => metric(url, 'fer_batch_size_count');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function predict(url: string, images: Buffer[], signal?: AbortSignal) {
  const form = new FormData();
  images.forEach((img, i) => form.append('image', new Blob([new Uint8Array(img)], { type: 'image/png' }), `${i}.png`));
  const r = await fetch(`${url}/predict`, { method: 'POST', body: form, signal });
  const body = (await r.json()) as { error?: string; message?: string };
  return { status: r.status, body, retryAfter: r.headers.get('retry-after'), errors: responseErrors('POST', '/predict', r.status, r.headers.get('content-type') ?? '', body) };
}

t.test('admission, cancellation, deadline', { skip: NOT_BUILT }, async (t) => {
  // Room for 16 images and 9 waiting; with one preprocessing worker, 8 images are processed at
  // once. Shapes are not limited here (a slow strip holds a request in flight).
  const s = await startHostile(['--max-preprocess-queue', '16', '--max-waiting-images', '9', '--max-files', '32', '--max-side', '30000000', '--max-aspect', '30000000']);
  t.teardown(s.stop);
  const heavy = await noisePng(800, 800);

  t.test('a request with more images than there is room for: 503 at once, nothing of it decoded', async (t) => {
    const before = await decodes(s.url);
    const r = await predict(s.url, Array(17).fill(heavy));
    t.equal(r.status, 503);
    t.equal(r.body.error, 'FER_ERR_QUEUE_FULL');
    t.equal(r.retryAfter, '1');
    t.same(r.errors, []);
    t.equal(await decodes(s.url), before, 'no image of it was decoded');
  });

  t.test('one bad image fails its request and the images not started are dropped', async (t) => {
    const before = await decodes(s.url);
    const r = await predict(s.url, [await truncatedPng(300, 300), ...Array(15).fill(heavy)]);
    t.equal(r.status, 400);
    t.match(r.body, { error: 'FER_ERR_BAD_IMAGE', message: /'0\.png'/ });
    const decoded = (await decodes(s.url)) - before;
    t.ok(decoded <= 8, `${decoded} of the 15 good images were decoded (those started with the bad one)`);
  });

  t.test('a client that goes away from a long /evaluate stops it', async (t) => {
    // 3000 rows naming one uploaded 600x600 image, each decoded and resized: tens of seconds of work.
    const form = new FormData();
    form.append('csv', new Blob([['path,label', ...Array.from({ length: 3000 }, () => 'face.png,happy')].join('\n')], { type: 'text/csv' }), 'set.csv');
    form.append('images', new Blob([new Uint8Array(await noisePng(600, 600))], { type: 'image/png' }), 'face.png');
    const ac = new AbortController();
    const start = await batches(s.url);
    const req = fetch(`${s.url}/evaluate?detect=never`, { method: 'POST', body: form, signal: ac.signal }).catch(() => undefined);
    for (let i = 0; i < 400 && (await batches(s.url)) === start; i++) await sleep(25);
    ac.abort();
    await req;
    await sleep(500);
    const atStop = await batches(s.url);
    await sleep(1500);
    const later = await batches(s.url);
    t.ok(atStop > start, `it was running (${atStop - start} batches)`);
    t.equal(later, atStop, 'no batch ran once the client had gone');
    t.ok(later - start < 100, `stopped after ${later - start} of its ~188 chunks`);
  });

  t.test('requests that do not fit: the next waits its turn whole, the one after is refused at once; nothing of either decoded', async (t) => {
    const before = await decodes(s.url);
    const depth = () => metric(s.url, 'fer_queue_depth', { queue: 'preprocess' });
    const until = async (n: number) => {
      for (let i = 0; i < 500 && (await depth()) < n; i++) await sleep(10);
      return depth();
    };
    const small = await noisePng(300, 300);
    // The first request holds 9 of the 16 places for seconds: its strip takes libvips that long
    // (the limits of this server let it through).
    const clients = [new AbortController(), new AbortController()];
    const first = predict(s.url, [stripPng(1, 24_000_000), ...Array(8).fill(small)], clients[0].signal);
    t.equal(await until(9), 9, 'the first is admitted');
    const second = predict(s.url, Array(9).fill(small), clients[1].signal);
    t.equal(await until(18), 18, 'the second waits its turn, whole: 9 more do not fit');
    const third = await predict(s.url, Array(9).fill(small));
    t.equal(third.status, 503, 'the third is refused at once: the waiting room is full');
    t.equal(third.body.error, 'FER_ERR_QUEUE_FULL');
    t.ok((await decodes(s.url)) - before <= 8, 'nothing of the second or third was decoded');
    for (const c of clients) c.abort();
    await Promise.allSettled([first, second]);
  });
});

t.test('the deadline: a request that cannot finish gets 503 FER_ERR_DEADLINE at --request-timeout-ms', { skip: NOT_BUILT }, async (t) => {
  const s = await startHostile(['--request-timeout-ms', '1500']);
  t.teardown(s.stop);
  // Headers and a part of the body, then nothing: the body would never complete.
  const head = `POST /predict?detect=never HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: image/png\r\ncontent-length: 100000`;
  const r = await rawRequest(s.port, head, filler(1000), 10_000);
  t.equal(r.status, 503);
  t.equal(r.headers['retry-after'], '1');
  t.equal(r.headers.connection, 'close');
  t.same(JSON.parse(r.body), { error: 'FER_ERR_DEADLINE', message: 'service unavailable: busy or not ready, retry later' });
  t.ok(r.ms >= 1400 && r.ms < 5000, `answered after ${Math.round(r.ms)} ms`);
});
