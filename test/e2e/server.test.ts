/**
 * End to end: the built service (`node services/dist/server.js`, what `npm start` runs) as a
 * separate process: configuration printed once, listening, ready, answering, a graceful close
 * on SIGTERM that lets the request in flight finish, and refusing to start on a bad model or
 * bad configuration with a clear message.
 */
import t from 'tap';
import { request } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeModel } from '../../services/test/fixtures/make-model.js';
import { syntheticImage } from '../../services/test/fixtures/helpers.js';
import { NOT_BUILT, runServer as run, waitFor } from '../../services/test/fixtures/process.js';

t.test('the built server', { skip: NOT_BUILT }, async (t) => {
  t.test('starts, prints its configuration once, serves, and closes gracefully on SIGTERM', async (t) => {
    const model = makeModel();
    const p = run(['--port', '0', '--model-dir', model.dir], { FER_THREADS: '1', FER_HOST: '127.0.0.1', FER_MAX_FILES: '3' });
    t.teardown(() => void p.child.kill('SIGKILL'));
    const url = await waitFor(() => p.lines.find((l) => l.msg === 'listening')?.url as string | undefined);
    t.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const configs = p.lines.filter((l) => l.msg === 'configuration');
    t.equal(configs.length, 1, 'configuration printed once');
    t.match(configs[0].config, { host: '127.0.0.1', modelDir: model.dir, threads: 1, maxFiles: 3, device: 'cpu' });
    t.ok(p.lines.some((l) => l.msg === 'model loaded' && l.provider === 'cpu'), 'says which provider it uses');

    let ready = 0;
    for (let i = 0; i < 200 && ready !== 200; i++) {
      ready = (await fetch(`${url}/readyz`)).status;
      if (ready !== 200) await new Promise((r) => setTimeout(r, 25));
    }
    t.equal(ready, 200, 'ready');
    const img = await syntheticImage(48, 48, 'png');
    const r = await fetch(`${url}/predict?detect=never`, { method: 'POST', body: new Uint8Array(img), headers: { 'content-type': 'image/png' } });
    t.equal(r.status, 200);
    t.equal(((await r.json()) as any).results.length, 1);

    // A request in flight: headers and half the body sent, then SIGTERM, then the rest.
    const { port } = new URL(url);
    const inflight = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/predict?detect=never', headers: { 'content-type': 'image/png', 'content-length': img.length } }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.write(img.subarray(0, 20));
      setTimeout(() => {
        p.child.kill('SIGTERM');
        setTimeout(() => req.end(img.subarray(20)), 300);
      }, 200);
    });
    const res = await inflight;
    t.equal(res.status, 200, 'the request in flight finished');
    t.equal(JSON.parse(res.body).results.length, 1);
    t.equal(await p.exit, 0, 'exits 0');
    t.ok(p.lines.some((l) => l.msg === 'closed'), 'logs closed');
    await t.rejects(fetch(`${url}/healthz`), 'no longer listening');
  });

  const refuses = async (t: any, args: string[], code: number, message: RegExp) => {
    const p = run(args);
    t.teardown(() => void p.child.kill('SIGKILL'));
    t.equal(await p.exit, code, `exit ${code}`);
    t.match(p.stderr.join(''), message);
  };

  t.test('refuses to start on a missing model', async (t) => {
    await refuses(t, ['--port', '0', '--model-dir', join(tmpdir(), 'no-such-model-dir')], 1, /cannot start: model directory .*no-such-model-dir does not exist/);
  });

  t.test('refuses to start on corrupt metadata', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'fer-e2e-'));
    writeFileSync(join(dir, 'metadata.json'), '{"format": "amft-onnx"}');
    await refuses(t, ['--port', '0', '--model-dir', dir], 1, /cannot start: .*metadata\.json does not match the model metadata schema/);
  });

  t.test('refuses to start on a model that does not match its metadata', async (t) => {
    const m = makeModel({ metadata: { io: { input: 'pixels', logits: 'logits', probabilities: 'probabilities' } } });
    await refuses(t, ['--port', '0', '--model-dir', m.dir], 1, /io\.input 'pixels' is not an input of model\.onnx/);
  });

  t.test('refuses an unknown device, naming the known ones', async (t) => {
    await refuses(t, ['--port', '0', '--model-dir', makeModel().dir, '--device', 'tpu'], 1, /unknown device 'tpu'; known devices: cpu, cuda/);
  });

  t.test('refuses bad configuration with exit 2', async (t) => {
    await refuses(t, ['--port', 'x'], 2, /--port \/ FER_PORT/);
    await refuses(t, ['--bogus'], 2, /Unknown option '--bogus'/);
  });
});
