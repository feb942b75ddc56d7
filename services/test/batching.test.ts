/**
 * Dynamic batching over HTTP: concurrent requests share onnxruntime runs and get the answers
 * they get alone; a full queue answers 503 with Retry-After instead of growing.
 */
import t from 'tap';
import { LABELS } from '@amft/shared';
import { startTestServer, syntheticImage, type Res } from './fixtures/helpers.js';

const N = 12;
const images = await Promise.all(Array.from({ length: N }, (_, i) => syntheticImage(40 + 4 * i, 48, 'png', i)));
const send = (api: { post: (p: string, b: Uint8Array, h: Record<string, string>) => Promise<Res> }, img: Uint8Array) => api.post('/predict?detect=never', img, { 'content-type': 'image/png' });
const probs = (r: Res) => r.body.results[0].faces[0].expression.probabilities as Record<string, number>;

t.test('concurrent requests are batched, with the results of unbatched runs', async (t) => {
  // A 50 ms window: requests that arrive together leave together.
  const server = await startTestServer({ maxBatch: 16, maxQueueDelayMs: 50 });
  t.teardown(() => server.close());
  const api = server.client;

  const alone: Res[] = [];
  for (const img of images) alone.push(await send(api, img));
  const afterAlone = (await api.get('/v1/model')).body.runtime.batching;
  t.equal(afterAlone.items, N);
  t.equal(afterAlone.largestBatch, 1, 'one by one: batches of 1');

  const together = await Promise.all(images.map((img) => send(api, img)));
  const after = (await api.get('/v1/model')).body.runtime.batching;
  t.equal(after.items - afterAlone.items, N, `${N} more faces inferred`);
  t.ok(after.largestBatch > 1, `concurrently: batches larger than 1 (largest ${after.largestBatch}, ${after.batches - afterAlone.batches} batches)`);
  t.ok(after.batches - afterAlone.batches < N, 'fewer batches than requests');

  let worst = 0;
  for (let i = 0; i < N; i++) {
    t.equal(together[i].status, 200);
    for (const l of LABELS) worst = Math.max(worst, Math.abs(probs(alone[i])[l] - probs(together[i])[l]));
  }
  t.ok(worst <= 1e-5, `batched probabilities equal the unbatched ones within 1e-5 (largest difference ${worst.toExponential(2)})`);
});

t.test('a full queue answers 503 with Retry-After, and the service recovers', async (t) => {
  // Two faces fit in the queue; a batch waits 1.5 s for more before it runs.
  const server = await startTestServer({ maxBatch: 64, maxQueue: 2, maxQueueDelayMs: 1500 });
  t.teardown(() => server.close());
  const api = server.client;

  const tooMany = await api.postFiles(
    '/predict?detect=never',
    images.slice(0, 3).map((img, i) => ['image', `${i}.png`, img, 'image/png']),
  );
  t.equal(tooMany.status, 503, 'three faces in one request do not fit a queue of two');
  t.equal(tooMany.body.error, 'FER_ERR_QUEUE_FULL');
  t.equal(tooMany.headers.get('retry-after'), '1');

  const first = [send(api, images[0]), send(api, images[1])];
  await new Promise((r) => setTimeout(r, 500)); // both are waiting in the queue now
  const refused = await send(api, images[2]);
  t.equal(refused.status, 503, 'a third face while two wait: refused');
  t.same(refused.body, { error: 'FER_ERR_QUEUE_FULL', message: 'service unavailable: busy or not ready, retry later' });
  t.equal(refused.headers.get('retry-after'), '1', 'Retry-After says when to come back');
  t.ok(refused.ms < 1000, `refused at once (${refused.ms.toFixed(0)} ms), not after waiting`);
  const ok = await Promise.all(first);
  t.same(
    ok.map((r) => r.status),
    [200, 200],
    'the queued requests are answered',
  );
  const stats = (await api.get('/v1/model')).body.runtime.batching;
  t.match(stats, { largestBatch: 2, rejected: 4 }, 'the two waiting faces ran as one batch; 3 + 1 faces refused');
  t.equal((await send(api, images[3])).status, 200, 'and then it serves again');
});
