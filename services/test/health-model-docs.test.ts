import t from 'tap';
import { LABELS } from '@amft/shared';
import { openapiDocument, startTestServer } from './fixtures/helpers.js';
import { loadConfig } from '../src/config.js';
import { buildApp } from '../src/app.js';
import { makeModel } from './fixtures/make-model.js';

const server = await startTestServer({ threads: 1, maxBatch: 8 });
const api = server.client;
t.teardown(() => server.close());

t.test('GET /healthz', async (t) => {
  const r = await api.get('/healthz');
  t.equal(r.status, 200);
  t.same(r.body, { status: 'ok' });
});

t.test('GET /readyz once warmed: ready, with the provider in use', async (t) => {
  const r = await api.get('/readyz');
  t.equal(r.status, 200);
  t.match(r.body, { status: 'ready', model: 'fixture', provider: 'cpu', detectorProvider: 'cpu' });
  t.type(r.body.warmupMs, 'number');
});

t.test('GET /readyz is 503 until the warm-up is done, and once closing has begun', async (t) => {
  const app = await buildApp(loadConfig([], {}, { modelDir: makeModel().dir, port: 0, host: '127.0.0.1', logLevel: 'silent', threads: 1 }));
  await app.ready(); // loaded; the warm-up has only just been started
  const starting = await app.inject({ method: 'GET', url: '/readyz' });
  t.equal(starting.statusCode, 503);
  t.equal(starting.json().status, 'starting');
  for (let i = 0; i < 100 && !(await app.fer.isReady()); i++) await new Promise((r) => setTimeout(r, 10));
  t.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
  app.drain.begin();
  const closing = await app.inject({ method: 'GET', url: '/readyz' });
  t.equal(closing.statusCode, 503);
  t.equal(closing.json().status, 'closing');
  const refused = await app.inject({ method: 'POST', url: '/predict', headers: { 'content-type': 'image/png' }, payload: Buffer.from('x') });
  t.equal(refused.statusCode, 503);
  t.same(refused.json(), { error: 'FER_ERR_NOT_READY', message: 'service unavailable: busy or not ready, retry later' }, 'a 5xx message is generic');
  await app.close();
});

t.test('GET /v1/model: the metadata and the runtime', async (t) => {
  const r = await api.get('/v1/model');
  t.equal(r.status, 200);
  t.match(r.body, {
    format: 'amft-onnx',
    schemaVersion: 1,
    name: 'fixture',
    variant: 'lite',
    labels: [...LABELS],
    preprocessing: { height: 48, width: 48, channels: 1, faceMargin: 0.25 },
    io: { input: 'input', logits: 'logits', probabilities: 'probabilities' },
    runtime: { device: 'cpu', provider: 'cpu', threads: 1, sequenceHead: false, detector: { model: 'blazeface-128', provider: 'cpu' }, batching: { maxBatch: 8 } },
  });
});

t.test('GET /openapi.json: the openapi.yaml document', async (t) => {
  const r = await api.get('/openapi.json');
  t.equal(r.status, 200);
  t.same(r.body, openapiDocument());
  t.equal(r.body.openapi, '3.1.0');
  for (const p of ['/predict', '/predict-sequence', '/evaluate', '/healthz', '/readyz', '/v1/model', '/openapi.json', '/docs']) t.ok(r.body.paths[p], `documents ${p}`);
});

t.test('GET /docs: Swagger UI, served locally', async (t) => {
  const r = await api.get('/docs');
  t.equal(r.status, 200);
  t.match(r.headers.get('content-type'), /text\/html/);
  t.match(r.text, /swagger/i);
  const spec = await api.request('GET', '/docs/json', { validate: false });
  t.equal(spec.status, 200);
  t.equal(spec.body.openapi, '3.1.0');
});
