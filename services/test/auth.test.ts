/**
 * Optional API-key authentication: off by default; on, every route but the health probes needs
 * `Authorization: Bearer <key>`.
 */
import t from 'tap';
import { loadConfig, redactConfig } from '../src/config.js';
import { bearerChecker } from '../src/plugins/app/auth.js';
import { startTestServer, syntheticImage } from './fixtures/helpers.js';

const KEYS = ['k1-0123456789abcdef', 'k2-fedcba9876543210'];
const img = await syntheticImage(48, 48, 'png');
const png = { 'content-type': 'image/png' };

t.test('configuration: keys from FER_API_KEYS, comma-separated, and never printed', async (t) => {
  const c = loadConfig([], { FER_API_KEYS: ` ${KEYS[0]}, ${KEYS[1]} ,` });
  t.same(c.apiKeys, KEYS);
  t.equal(loadConfig([], {}).apiKeys, undefined, 'no keys: auth off');
  t.same(loadConfig(['--api-keys', KEYS[1]], { FER_API_KEYS: KEYS[0] }).apiKeys, [KEYS[1]], 'the flag wins');
  t.throws(() => loadConfig([], { FER_API_KEYS: 'short' }), /FER_API_KEYS: an API key has at least 16 characters/);
  t.throws(() => loadConfig([], { FER_API_KEYS: ',' }), /FER_API_KEYS: no API key given/);
  const printed = JSON.stringify(redactConfig(c));
  t.match(printed, /"apiKeys":"\[redacted\]"/);
  for (const k of KEYS) t.notMatch(printed, k, 'no key in the printed configuration');
});

t.test('bearerChecker', async (t) => {
  const check = bearerChecker(KEYS);
  t.ok(check(`Bearer ${KEYS[0]}`));
  t.ok(check(`bearer  ${KEYS[1]} `), 'scheme is case-insensitive');
  for (const bad of [undefined, '', KEYS[0], `Basic ${KEYS[0]}`, `Bearer ${KEYS[0]}x`, `Bearer ${KEYS[0].slice(1)}`, `Bearer ${KEYS[0]} ${KEYS[1]}`, 'Bearer ']) t.notOk(check(bad), JSON.stringify(bad));
});

t.test('auth on', async (t) => {
  const server = await startTestServer({ apiKeys: KEYS });
  t.teardown(() => server.close());
  const api = server.client;
  const bearer = (k: string) => ({ authorization: `Bearer ${k}` });

  const missing = await api.request('POST', '/predict?detect=never', { body: img, headers: png });
  t.equal(missing.status, 401, 'no key: 401');
  t.same(missing.body, { error: 'FER_ERR_UNAUTHORIZED', message: 'missing API key: send Authorization: Bearer <API key>' });
  t.equal(missing.headers.get('www-authenticate'), 'Bearer realm="fer"');

  const wrong = await api.request('POST', '/predict?detect=never', { body: img, headers: { ...png, ...bearer('not-the-key-at-all') } });
  t.equal(wrong.status, 401, 'wrong key: 401');
  t.equal(wrong.body.error, 'FER_ERR_UNAUTHORIZED');
  t.match(wrong.body.message, /invalid API key/);
  t.equal(wrong.headers.get('www-authenticate'), 'Bearer realm="fer", error="invalid_token"');

  const basic = await api.request('GET', '/v1/model', { headers: { authorization: `Basic ${Buffer.from(`x:${KEYS[0]}`).toString('base64')}` } });
  t.equal(basic.status, 401, 'another scheme: 401');

  for (const k of KEYS) {
    const ok = await api.request('POST', '/predict?detect=never', { body: img, headers: { ...png, ...bearer(k) } });
    t.equal(ok.status, 200, 'a right key: 200');
    t.equal(ok.body.results.length, 1);
  }

  for (const path of ['/healthz', '/readyz', '/v2/health/live', '/v2/health/ready']) t.equal((await api.get(path)).status, 200, `${path} is open`);
  for (const path of ['/v1/model', '/metrics', '/openapi.json', '/docs']) {
    t.equal((await api.get(path)).status, 401, `${path} needs a key`);
    t.equal((await api.request('GET', path, { headers: bearer(KEYS[0]) })).status, 200, `${path} with a key`);
  }
  const v2 = await api.get('/v2');
  t.equal(v2.status, 401, '/v2 needs a key');
  t.same(v2.body, { error: 'missing API key: send Authorization: Bearer <API key>' }, 'in the v2 error shape');
  t.equal(v2.headers.get('www-authenticate'), 'Bearer realm="fer"');
  const unknown = await api.request('GET', '/nope', { validate: false });
  t.equal(unknown.status, 401, 'an unknown route needs a key too: routes are not revealed');
  t.equal((await api.request('GET', '/nope', { validate: false, headers: bearer(KEYS[0]) })).status, 404);
});

t.test('auth off (the default): open, whatever Authorization says', async (t) => {
  const server = await startTestServer();
  t.teardown(() => server.close());
  const api = server.client;
  t.equal((await api.post('/predict?detect=never', img, png)).status, 200);
  t.equal((await api.request('POST', '/predict?detect=never', { body: img, headers: { ...png, authorization: 'Bearer whatever' } })).status, 200);
  t.equal((await api.get('/metrics')).status, 200);
});
