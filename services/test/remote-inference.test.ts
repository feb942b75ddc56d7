/**
 * --inference-url: a second instance of the service runs its batches on the first one over the
 * v2 protocol (binary tensors) and answers exactly what the first answers in-process; when the
 * remote is down its /readyz says 503 and requests get 503 FER_ERR_REMOTE_UNAVAILABLE; a remote
 * that does not answer is given up on after the timeout and the retries.
 */
import t from 'tap';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { ASTRONAUT, HAVE_DATA, ferCrops, startTestServer, syntheticImage, type Res } from './fixtures/helpers.js';

const inProcess = await startTestServer();
let inProcessOpen = true;
t.teardown(async () => {
  if (inProcessOpen) await inProcess.close();
});
const gateway = await startTestServer({ modelDir: inProcess.modelDir, inferenceUrl: inProcess.url, inferenceRetries: 2, inferenceTimeoutMs: 2000 });
t.teardown(() => gateway.close());

const images: [string, Uint8Array][] = [
  ...(await Promise.all([0, 1, 2].map(async (i): Promise<[string, Uint8Array]> => [`synthetic-${i}.png`, await syntheticImage(64 + 8 * i, 56, 'png', i)]))),
  ...(HAVE_DATA ? ferCrops('happy', 2).map((c): [string, Uint8Array] => [c.name, c.data]) : []),
];
const faces = (r: Res) => r.body.results.map((x: { faces: unknown[] }) => x.faces);

t.test('pointed at a second instance: the results of in-process inference', async (t) => {
  const ready = await gateway.client.get('/readyz');
  t.equal(ready.status, 200, 'ready: the remote says ready');
  t.equal(ready.body.provider, 'remote');
  t.equal((await gateway.client.get('/v1/model')).body.runtime.provider, 'remote');
  for (const [name, data] of images) {
    const [a, b] = [await inProcess.client.post('/predict?detect=never', data, { 'content-type': 'image/png' }), await gateway.client.post('/predict?detect=never', data, { 'content-type': 'image/png' })];
    t.equal(b.status, 200);
    t.same(faces(b), faces(a), `${name}: identical faces, labels and probabilities`);
  }
  if (HAVE_DATA) {
    const photo = readFileSync(ASTRONAUT);
    const [a, b] = [await inProcess.client.postFiles('/predict', [['image', 'astronaut.png', photo]]), await gateway.client.postFiles('/predict', [['image', 'astronaut.png', photo]])];
    t.same(faces(b), faces(a), 'a photo: detection here, inference there, identical results');
  }
  const frames = images.slice(0, 3).map(([n, d]): [string, string, Uint8Array, string] => ['frames', n, d, 'image/png']);
  const [sa, sb] = [await inProcess.client.postFiles('/predict-sequence?detect=never', frames), await gateway.client.postFiles('/predict-sequence?detect=never', frames)];
  t.same(sb.body.sequence, sa.body.sequence, '/predict-sequence: the same clip prediction');
});

t.test('a remote that does not answer: 503 after the timeout and retries', async (t) => {
  const name = (await inProcess.client.get('/v1/model')).body.name as string;
  const meta = (await inProcess.client.request('GET', `/v2/models/${name}`, { route: '/v2/models/{name}' })).text;
  let infers = 0;
  const silent: Server = createServer((req, res) => {
    if (req.url === '/v2/health/ready') return res.writeHead(200).end();
    if (req.url === `/v2/models/${name}`) return res.writeHead(200, { 'content-type': 'application/json' }).end(meta);
    infers += 1; // never answered
  });
  const sockets = new Set<Socket>();
  silent.on('connection', (s) => sockets.add(s));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  const g = await startTestServer({ modelDir: inProcess.modelDir, inferenceUrl: url, inferenceRetries: 1, inferenceTimeoutMs: 300 });
  t.teardown(async () => {
    await g.close();
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
  });
  t.equal((await g.client.get('/readyz')).status, 200, 'its health says ready');
  const r = await g.client.post('/predict?detect=never', images[0][1], { 'content-type': 'image/png' });
  t.equal(r.status, 503);
  t.equal(r.body.error, 'FER_ERR_REMOTE_UNAVAILABLE');
  t.equal(r.headers.get('retry-after'), '1');
  t.equal(infers, 2, 'one attempt and one retry');
  t.ok(r.ms >= 600 && r.ms < 3000, `gave up after two 300 ms timeouts (${r.ms.toFixed(0)} ms)`);
});

t.test('remote down: not ready, and 503 instead of an answer', async (t) => {
  await inProcess.close();
  inProcessOpen = false;
  const ready = await gateway.client.get('/readyz');
  t.equal(ready.status, 503);
  t.equal(ready.body.status, 'remote-unavailable');
  t.equal((await gateway.client.get('/v2/health/ready')).status, 503, '/v2/health/ready follows');
  const r = await gateway.client.post('/predict?detect=never', images[0][1], { 'content-type': 'image/png' });
  t.equal(r.status, 503);
  t.same(r.body, { error: 'FER_ERR_REMOTE_UNAVAILABLE', message: 'service unavailable: busy or not ready, retry later' });
  t.equal(r.headers.get('retry-after'), '1');
  t.equal((await gateway.client.get('/healthz')).status, 200, 'the process itself stays live');
});
