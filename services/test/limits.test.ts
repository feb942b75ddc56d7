/**
 * Limits that are configuration: the JSON body size, and the images being preprocessed at once
 * (the other limits, files, bytes and pixels per image, are exercised in predict.test.ts).
 */
import t from 'tap';
import { loadConfig } from '../src/config.js';
import { startTestServer, syntheticImage } from './fixtures/helpers.js';

t.test('limits come from flags and FER_* variables', async (t) => {
  const c = loadConfig(['--max-files', '3'], { FER_MAX_BODY_BYTES: '2048', FER_MAX_PIXELS: '1000', FER_MAX_FILE_BYTES: '999', FER_MAX_PREPROCESS_QUEUE: '7', FER_MAX_QUEUE: '9' });
  t.match(c, { maxFiles: 3, maxBodyBytes: 2048, maxPixels: 1000, maxFileBytes: 999, maxPreprocessQueue: 7, maxQueue: 9 });
  t.throws(() => loadConfig([], { FER_MAX_BODY_BYTES: '0' }), /--max-body-bytes \/ FER_MAX_BODY_BYTES/);
});

t.test('a JSON body over --max-body-bytes: 413', async (t) => {
  const server = await startTestServer({ maxBodyBytes: 1000 });
  t.teardown(() => server.close());
  const big = await server.client.post('/predict', JSON.stringify({ x: 'y'.repeat(2000) }), { 'content-type': 'application/json' });
  t.equal(big.status, 413);
  t.equal(big.body.error, 'FER_ERR_BODY_TOO_LARGE');
  const small = await server.client.post('/predict', JSON.stringify({ x: 'y' }), { 'content-type': 'application/json' });
  t.equal(small.status, 415, 'under the limit, it reaches the route (which takes no JSON)');
});

t.test('more images in preprocessing than --max-preprocess-queue: 503 with Retry-After', async (t) => {
  const server = await startTestServer({ maxPreprocessQueue: 1 });
  t.teardown(() => server.close());
  const img = await syntheticImage(64, 64, 'png');
  // The images of one request are preprocessed at once: the second does not fit.
  const r = await server.client.postFiles('/predict', [
    ['image', 'a.png', img, 'image/png'],
    ['image', 'b.png', img, 'image/png'],
  ]);
  t.equal(r.status, 503);
  t.equal(r.body.error, 'FER_ERR_QUEUE_FULL');
  t.equal(r.headers.get('retry-after'), '1');
  t.equal((await server.client.post('/predict', img, { 'content-type': 'image/png' })).status, 200, 'one at a time fits');
});
