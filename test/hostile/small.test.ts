/**
 * The smaller hostile cases, against the built server (issue #12 item 8, #11 defect 3): an API
 * key in the query string is refused and never logged; a symlinked directory under --data-root
 * answers the same for a file that exists outside and one that does not; a 100 KB header gets
 * the service's JSON 431.
 */
import t from 'tap';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syntheticImage } from '../../services/test/fixtures/helpers.js';
import { NOT_BUILT, rawRequest, responseErrors, startHostile } from './fixtures.js';

const KEY = 'hostile-suite-key-0123456789';

t.test('small hostile cases', { skip: NOT_BUILT }, async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'fer-root-'));
  const outside = mkdtempSync(join(tmpdir(), 'fer-outside-'));
  writeFileSync(join(outside, 'existing.png'), await syntheticImage(48, 48, 'png'));
  mkdirSync(join(root, 'inside'));
  symlinkSync(outside, join(root, 'dirlink'));
  const s = await startHostile(['--data-root', root], { FER_API_KEYS: KEY });
  t.teardown(s.stop);
  const auth = { authorization: `Bearer ${KEY}` };

  t.test('an API key in the query string: 400, and the key is not in the log', async (t) => {
    for (const q of [`api_key=${KEY}`, `detect=never&token=${KEY}`, `apiKey=${KEY}`]) {
      const r = await fetch(`${s.url}/predict?${q}`, { method: 'POST', headers: auth });
      const body = await r.json();
      t.equal(r.status, 400, q.split('=')[0]);
      t.match(body, { error: 'FER_ERR_SECRET_IN_QUERY', message: /Authorization header/ });
      t.same(responseErrors('POST', '/predict', r.status, r.headers.get('content-type') ?? '', body), []);
    }
    await new Promise((r) => setTimeout(r, 200));
    const log = JSON.stringify(s.proc.lines);
    t.notMatch(log, KEY, 'the key is nowhere in the log');
    t.match(log, /"url":"\/predict\?api_key=\[redacted\]"/, 'the access log shows the parameter, redacted');
  });

  t.test('a symlinked directory: dirlink/existing and dirlink/missing get the same answer', async (t) => {
    const ask = async (path: string) => {
      const r = await fetch(`${s.url}/evaluate`, { method: 'POST', body: `path,label\n${path},happy\n`, headers: { 'content-type': 'text/csv', ...auth } });
      const body = (await r.json()) as { error: string; message: string };
      t.same(responseErrors('POST', '/evaluate', r.status, r.headers.get('content-type') ?? '', body), []);
      return { status: r.status, error: body.error, message: body.message.replace(path, '<path>') };
    };
    const existing = await ask('dirlink/existing.png');
    const missing = await ask('dirlink/missing.png');
    t.match(existing, { status: 400, error: 'FER_ERR_PATH_ESCAPE' });
    t.same(missing, existing, 'nothing tells the two apart');
    const dotdot = await ask('inside/../../x.png');
    t.same([dotdot.status, dotdot.error], [existing.status, existing.error], 'one code, one status for every escape');
  });

  t.test('a 100 KB header: the service\'s JSON 431', async (t) => {
    const r = await rawRequest(s.port, `GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\nx-big: ${'x'.repeat(100 * 1024)}`, [], 5000);
    t.equal(r.status, 431);
    t.match(r.headers['content-type'], /^application\/json/);
    t.same(JSON.parse(r.body), { error: 'FER_ERR_HEADERS_TOO_LARGE', message: 'the request headers are too large' });
    t.equal((await fetch(`${s.url}/healthz`)).status, 200, 'still serving');
  });
});
