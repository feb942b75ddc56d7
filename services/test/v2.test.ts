/**
 * Open Inference Protocol v2 routes on the real server with the bundled default model: the
 * metadata matches the ONNX graph; a normalized crop through /v2/.../infer (JSON and binary
 * tensors) gives the probabilities /predict?detect=never gives for the same image, within 1e-6,
 * and so the same label on FER2013 crops; bad requests get 400/404 in the protocol's error shape.
 */
import t from 'tap';
import { join } from 'node:path';
import { LABELS, normalizePixels, argmax } from '@amft/shared';
import { analyze } from '../src/pipeline/analyze.js';
import { readMetadata } from '../src/model/load-model.js';
import { BINARY_HEADER, encodeBody, splitBody, tensorData } from '../src/inference/v2-protocol.js';
import { HAVE_DATA, REPO, ferCrops, startTestServer, syntheticImage } from './fixtures/helpers.js';

const modelDir = join(REPO, 'models', 'default');
const metadata = await readMetadata(modelDir);
const spec = metadata.preprocessing;
const NAME = metadata.name;
const server = await startTestServer({ modelDir });
const api = server.client;
t.teardown(() => server.close());

/** Images: one FER2013 validation crop per class when the data is there, else synthetic ones. */
const images: { name: string; data: Buffer; label?: string }[] = HAVE_DATA
  ? LABELS.map((l) => ({ ...ferCrops(l, 1)[0], label: l }))
  : await Promise.all([0, 1, 2].map(async (i) => ({ name: `${i}.png`, data: await syntheticImage(48, 48, 'png', i) })));

/** The crop the service makes of an image with detect=never, normalized as the batcher does. */
async function normalizedCrop(data: Buffer): Promise<Float32Array> {
  const a = await analyze({ source: { kind: 'bytes', bytes: data, name: 'x' }, mode: 'never' }, { spec, maxPixels: 1e8 });
  return normalizePixels(a.crops[0], spec, 'chw');
}

const crops = await Promise.all(images.map((im) => normalizedCrop(im.data)));
const shape = (n: number) => [n, spec.channels, spec.height, spec.width];
const inferPath = `/v2/models/${NAME}/infer`;
const route = '/v2/models/{name}/infer';

function jsonInfer(tensors: Float32Array[], extra: object = {}) {
  const data = tensors.flatMap((x) => Array.from(x));
  const body = JSON.stringify({ id: 'req-1', inputs: [{ name: metadata.io.input, shape: shape(tensors.length), datatype: 'FP32', data }], ...extra });
  return api.request('POST', inferPath, { body, headers: { 'content-type': 'application/json' }, route });
}

t.test('server and model metadata, health', async (t) => {
  t.match((await api.get('/v2')).body, { name: 'amft-fer', extensions: ['binary_tensor_data'] });
  t.same((await api.get('/v2/health/live')).body, { live: true });
  const ready = await api.get('/v2/health/ready');
  t.equal(ready.status, 200);
  t.equal((await api.request('GET', `/v2/models/${NAME}/ready`, { route: '/v2/models/{name}/ready' })).status, 200);
  const meta = await api.request('GET', `/v2/models/${NAME}`, { route: '/v2/models/{name}' });
  t.equal(meta.status, 200);
  t.same(meta.body.inputs, [{ name: metadata.io.input, datatype: 'FP32', shape: [-1, spec.channels, spec.height, spec.width] }], 'input as in the graph');
  t.same(
    meta.body.outputs.filter((o: { name: string }) => [metadata.io.logits, metadata.io.probabilities].includes(o.name)),
    [metadata.io.logits, metadata.io.probabilities].map((name) => ({ name, datatype: 'FP32', shape: [-1, 7] })),
    'logits and probabilities [-1,7]',
  );
});

t.test('v2 infer gives the probabilities of /predict?detect=never, within 1e-6', async (t) => {
  const res = await jsonInfer(crops);
  t.equal(res.status, 200);
  t.equal(res.body.model_name, NAME);
  t.equal(res.body.id, 'req-1', 'the request id is echoed');
  const out = Object.fromEntries(res.body.outputs.map((o: { name: string }) => [o.name, o]));
  t.same(out[metadata.io.probabilities].shape, [crops.length, 7]);
  t.same(out[metadata.io.logits].shape, [crops.length, 7]);
  const batched: number[] = out[metadata.io.probabilities].data;
  let worst = 0;
  let worstBatch = 0;
  for (let i = 0; i < images.length; i++) {
    const p = await api.post('/predict?detect=never', images[i].data, { 'content-type': 'image/jpeg' });
    t.equal(p.status, 200);
    const expr = p.body.results[0].faces[0].expression;
    const single = await jsonInfer([crops[i]]);
    const v2: number[] = single.body.outputs.find((o: { name: string }) => o.name === metadata.io.probabilities).data;
    LABELS.forEach((l, k) => (worst = Math.max(worst, Math.abs(expr.probabilities[l] - v2[k]))));
    v2.forEach((v, k) => (worstBatch = Math.max(worstBatch, Math.abs(v - batched[i * 7 + k]))));
    t.equal(LABELS[argmax(v2)], expr.label, `${images[i].name}${images[i].label ? ` (${images[i].label})` : ''}: same label (${expr.label})`);
  }
  t.ok(worst <= 1e-6, `largest difference to /predict ${worst.toExponential(2)} <= 1e-6`);
  t.ok(worstBatch <= 1e-5, `alone or in a batch of ${crops.length}: within 1e-5 (largest difference ${worstBatch.toExponential(2)}), as batching.test.ts`);
});

t.test('version 1 by path: the same model', async (t) => {
  const meta = await api.request('GET', `/v2/models/${NAME}/versions/1`, { route: '/v2/models/{name}/versions/{version}' });
  t.same(meta.body, (await api.request('GET', `/v2/models/${NAME}`, { route: '/v2/models/{name}' })).body);
  t.equal((await api.request('GET', `/v2/models/${NAME}/versions/1/ready`, { route: '/v2/models/{name}/versions/{version}/ready' })).status, 200);
  const body = JSON.stringify({ inputs: [{ name: metadata.io.input, shape: shape(1), datatype: 'FP32', data: Array.from(crops[0]) }] });
  const r = await api.request('POST', `/v2/models/${NAME}/versions/1/infer`, { body, headers: { 'content-type': 'application/json' }, route: '/v2/models/{name}/versions/{version}/infer' });
  t.equal(r.status, 200);
  t.equal(r.body.model_version, '1');
  t.same(r.body.outputs, (await jsonInfer([crops[0]])).body.outputs);
});

t.test('binary tensor data extension, both ways', async (t) => {
  const json = await jsonInfer(crops, { outputs: [{ name: metadata.io.probabilities }] });
  const header = { inputs: [{ name: metadata.io.input, shape: shape(crops.length), datatype: 'FP32', parameters: { binary_data_size: crops.length * crops[0].length * 4 } }], parameters: { binary_data_output: true } };
  const { body, headerLength } = encodeBody(header, [Float32Array.from(crops.flatMap((c) => Array.from(c)))]);
  const r = await fetch(server.url + inferPath, { method: 'POST', body: new Uint8Array(body), headers: { 'content-type': 'application/octet-stream', [BINARY_HEADER]: String(headerLength) } });
  t.equal(r.status, 200);
  t.equal(r.headers.get('content-type'), 'application/octet-stream');
  const bytes = Buffer.from(await r.arrayBuffer());
  const { json: head, binary } = splitBody(bytes, r.headers.get(BINARY_HEADER) ?? undefined);
  const outputs = (head as { outputs: { name: string; shape: number[]; datatype: string; parameters: Record<string, unknown> }[] }).outputs;
  t.same(outputs.map((o) => o.name), [metadata.io.logits, metadata.io.probabilities]);
  const data = tensorData(outputs, binary);
  t.same(Array.from(data[1]), json.body.outputs[0].data, 'binary probabilities equal the JSON ones');
});

t.test('bad requests: 400 or 404 with { error }', async (t) => {
  const one = crops[0];
  const send = async (body: unknown, path = inferPath) => {
    const r = await api.request('POST', path, { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' }, route });
    t.same(Object.keys(r.body), ['error'], `only "error": ${r.body.error}`);
    return r;
  };
  const input = (o: object) => ({ inputs: [{ name: metadata.io.input, shape: shape(1), datatype: 'FP32', data: Array.from(one), ...o }] });
  t.equal((await send(input({}), '/v2/models/nope/infer')).status, 404, 'unknown model');
  t.match((await send(input({ name: 'pixels' }))).body.error, /unknown input 'pixels'/, 'wrong name');
  const wrong = [1, spec.channels + 1, spec.height, spec.width];
  t.match((await send(input({ shape: wrong }))).body.error, new RegExp(`shape \\[${wrong.join(',')}\\], expected`), 'wrong shape');
  t.match((await send(input({ datatype: 'INT32' }))).body.error, /datatype INT32/, 'wrong datatype');
  t.match((await send(input({ data: Array.from(one).slice(1) }))).body.error, new RegExp(`needs ${one.length} values, data has ${one.length - 1}`), 'wrong length');
  t.match((await send({ ...input({}), outputs: [{ name: 'embedding' }] })).body.error, /unknown output 'embedding'/, 'unknown output');
  t.match((await send('{"inputs": [')).body.error, /not valid JSON/, 'not JSON');
  for (const r of [await send(input({ name: 'pixels' })), await send(input({ shape: shape(2) }))]) t.equal(r.status, 400);
  const v2 = await send(input({}), `/v2/models/${NAME}/versions/2/infer`);
  t.equal(v2.status, 404, 'unknown version');
  t.equal(v2.body.error, `unknown model '${NAME}' version '2'; this server serves '${NAME}' version '1'`);
  const missing = await api.request('GET', '/v2/models/nope', { route: '/v2/models/{name}' });
  t.equal(missing.status, 404);
  t.match(missing.body, { error: `unknown model 'nope'; this server serves '${NAME}'` });
});
