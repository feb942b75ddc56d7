/**
 * Observability: GET /metrics in the Prometheus text format (the series listed in
 * plugins/app/metrics.ts, moving with the traffic), request ids echoed and in every log line.
 */
import t from 'tap';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { loadConfig } from '../src/config.js';
import { startServer } from '../src/server.js';
import { Client, startTestServer, syntheticImage } from './fixtures/helpers.js';
import { makeModel } from './fixtures/make-model.js';
import { parseProm, promValue as value } from './fixtures/prometheus.js';

const server = await startTestServer({ maxBatch: 8 });
t.teardown(() => server.close());
const api = server.client;

async function scrape() {
  const r = await api.get('/metrics');
  t.equal(r.status, 200);
  return { ...parseProm(r.text), contentType: r.headers.get('content-type') };
}

t.test('GET /metrics: the series, in the Prometheus text format', async (t) => {
  const m = await scrape();
  t.match(m.contentType, /^text\/plain; version=0\.0\.4/);
  const expect: [string, string][] = [
    ['fer_http_requests_total', 'counter'],
    ['fer_http_request_duration_seconds', 'histogram'],
    ['fer_inference_duration_seconds', 'histogram'],
    ['fer_batch_size', 'histogram'],
    ['fer_queue_depth', 'gauge'],
    ['fer_queue_rejected_total', 'counter'],
    ['fer_faces_per_image', 'histogram'],
    ['fer_stage_duration_seconds', 'histogram'],
    ['fer_provider_info', 'gauge'],
    ['fer_ready', 'gauge'],
    ['process_cpu_user_seconds_total', 'counter'],
    ['process_resident_memory_bytes', 'gauge'],
    ['nodejs_eventloop_lag_p99_seconds', 'gauge'],
    ['nodejs_heap_size_used_bytes', 'gauge'],
  ];
  for (const [name, type] of expect) t.equal(m.types.get(name), type, `${name} is a ${type}`);
  t.same(
    m.samples.get('fer_provider_info')?.map((s) => [s.labels.role, s.labels.provider, s.value]),
    [
      ['classifier', 'cpu', 1],
      ['detector', 'cpu', 1],
    ],
    'the provider in use, per model',
  );
  t.equal(m.samples.get('fer_provider_info')?.[0].labels.model, 'fixture');
  t.equal(value(m.samples, 'fer_ready'), 1);
  t.same(m.samples.get('fer_queue_depth')?.map((s) => s.labels.queue).sort(), ['inference', 'preprocess']);
  t.same(
    m.samples.get('fer_batch_size_bucket')?.map((s) => s.labels.le),
    ['1', '2', '4', '8', '+Inf'],
    'batch-size buckets 1, 2, 4, ... max-batch',
  );
});

t.test('the counters move with the traffic', async (t) => {
  const before = (await scrape()).samples;
  const imgs = await Promise.all([1, 2, 3].map((s) => syntheticImage(48, 48, 'png', s)));
  const ok = await Promise.all(imgs.map((img) => api.post('/predict?detect=never', img, { 'content-type': 'image/png' })));
  t.same(
    ok.map((r) => r.status),
    [200, 200, 200],
  );
  const two = await api.postFiles('/predict', [
    ['image', 'a.png', imgs[0], 'image/png'],
    ['image', 'b.jpg', await syntheticImage(64, 48, 'jpeg'), 'image/jpeg'],
  ]);
  t.equal(two.status, 200);
  t.equal((await api.post('/predict', Buffer.from('garbage'), { 'content-type': 'image/png' })).status, 400);
  const after = (await scrape()).samples;
  const d = (name: string, match: Record<string, string> = {}) => value(after, name, match) - value(before, name, match);

  t.equal(d('fer_http_requests_total', { method: 'POST', route: '/predict', status_code: '200' }), 4, 'requests by route and status');
  t.equal(d('fer_http_requests_total', { route: '/predict', status_code: '400' }), 1);
  t.equal(d('fer_http_request_duration_seconds_count', { route: '/predict', status_code: '200' }), 4, 'latency histogram');
  t.ok(d('fer_http_request_duration_seconds_sum', { route: '/predict' }) > 0);
  t.equal(d('fer_http_requests_total', { route: '/metrics', status_code: '200' }), 1, 'scrapes are counted too');
  t.equal(d('fer_batch_size_sum'), 5, 'five faces inferred');
  t.ok(d('fer_batch_size_count') >= 1 && d('fer_batch_size_count') <= 5, `in ${d('fer_batch_size_count')} batches`);
  t.equal(d('fer_inference_duration_seconds_count', { kind: 'image' }), d('fer_batch_size_count'), 'one inference time per batch');
  t.equal(d('fer_faces_per_image_count'), 5, 'faces per image: 5 images (the bad one has none)');
  t.equal(d('fer_faces_per_image_sum'), 5);
  t.equal(d('fer_stage_duration_seconds_count', { stage: 'decode' }), 5);
  t.equal(d('fer_stage_duration_seconds_count', { stage: 'detect' }), 2, 'detection ran for the two detect=auto images only');
  t.ok(d('process_cpu_user_seconds_total') > 0, 'process metrics');

  const unknown = await api.request('GET', '/no/such/route', { validate: false });
  t.equal(unknown.status, 404);
  const last = (await scrape()).samples;
  t.equal(value(last, 'fer_http_requests_total', { route: 'unmatched', status_code: '404' }), 1, 'unmatched routes share one label value');
});

t.test('request ids: echoed, generated when absent or unsafe, in every log line of the request', async (t) => {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l));
      done();
    },
  });
  const cfg = loadConfig([], {}, { host: '127.0.0.1', port: 0, threads: 1, workers: 0, modelDir: makeModel().dir });
  const s = await startServer(cfg, pino({ level: 'info' }, sink));
  t.teardown(() => s.close());
  const api = new Client(s.url);

  const given = await api.request('GET', '/healthz', { headers: { 'x-request-id': 'abc-123.x:y' } });
  t.equal(given.headers.get('x-request-id'), 'abc-123.x:y', "the client's id is echoed");
  const fresh = await api.get('/healthz');
  t.match(fresh.headers.get('x-request-id'), /^[0-9a-f-]{36}$/, 'a UUID when none is given');
  const unsafe = await api.request('GET', '/healthz', { headers: { 'x-request-id': 'a b\u00e9' + 'x'.repeat(200) } });
  t.match(unsafe.headers.get('x-request-id'), /^[0-9a-f-]{36}$/, 'a new UUID for an id that is not a sane token');
  const bad = await api.request('POST', '/predict', { body: Buffer.from('nope'), headers: { 'content-type': 'image/png', 'x-request-id': 'req-42' } });
  t.equal(bad.status, 400);
  t.equal(bad.headers.get('x-request-id'), 'req-42', 'errors carry it too');

  const mine = lines.filter((l) => l.reqId === 'req-42');
  t.same(
    mine.map((l) => l.msg),
    ['request refused', 'request completed'],
    'every log line of the request has its id',
  );
  t.match(mine[1], { method: 'POST', url: '/predict', statusCode: 400, ms: Number }, 'one access-log line per request');
  t.match(mine[0], { code: 'FER_ERR_BAD_IMAGE' });
  t.ok(lines.some((l) => l.reqId === 'abc-123.x:y'));
});
