/**
 * Graceful shutdown of the real built server (services/dist/server.js) as a child process: on
 * SIGTERM it stops accepting connections, lets the request in flight finish, and exits 0 within
 * the deadline; a request that never finishes cannot hold it past the deadline (exit 1).
 * Also: the configuration is printed once, with the API keys redacted.
 */
import t from 'tap';
import { request } from 'node:http';
import { connect } from 'node:net';
import { syntheticImage } from './fixtures/helpers.js';
import { makeModel } from './fixtures/make-model.js';
import { NOT_BUILT, readyUrl, runServer } from './fixtures/process.js';
import { cutOffAt } from '../src/server.js';

const KEY = 'shutdown-test-key-0123456789';
const auth = { authorization: `Bearer ${KEY}` };

/** Resolves true when a TCP connection to the port is refused. */
const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });

t.test('the built server', { skip: NOT_BUILT }, async (t) => {
  const model = makeModel();
  const img = await syntheticImage(48, 48, 'png');

  t.test('SIGTERM: stops accepting, drains the request in flight, exits 0 within the deadline', async (t) => {
    const DEADLINE = 5000;
    // Each batch waits 1.5 s for more faces: the request is in flight when SIGTERM comes.
    const p = runServer(['--port', '0', '--model-dir', model.dir, '--max-queue-delay-ms', '1500', '--max-batch', '64', '--shutdown-timeout-ms', String(DEADLINE)], {
      FER_HOST: '127.0.0.1',
      FER_THREADS: '1',
      FER_API_KEYS: KEY,
    });
    t.teardown(() => void p.child.kill('SIGKILL'));
    const url = await readyUrl(p);
    const port = Number(new URL(url).port);

    const configs = p.lines.filter((l) => l.msg === 'configuration');
    t.equal(configs.length, 1, 'configuration printed once');
    t.equal(configs[0].config.apiKeys, '[redacted]', 'API keys redacted');
    t.match(configs[0].config, { maxQueueDelayMs: 1500, maxBatch: 64, shutdownTimeoutMs: DEADLINE });

    const t0 = Date.now();
    const inflight = fetch(`${url}/predict?detect=never`, { method: 'POST', body: new Uint8Array(img), headers: { 'content-type': 'image/png', ...auth } });
    await new Promise((r) => setTimeout(r, 400));
    const termAt = Date.now();
    p.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    t.ok(await refused(port), 'new connections are refused once closing');

    const res = await inflight;
    t.equal(res.status, 200, 'the request in flight finished');
    t.equal(((await res.json()) as { results: unknown[] }).results.length, 1);
    t.ok(Date.now() - t0 >= 1400, 'it had waited in the batcher');
    const code = await p.exit;
    const took = Date.now() - termAt;
    t.equal(code, 0, 'exits 0');
    t.ok(took < DEADLINE, `exited ${took} ms after SIGTERM, within the ${DEADLINE} ms deadline`);
    const msgs = p.lines.map((l) => l.msg);
    t.ok(msgs.indexOf('closing: finishing requests in flight') < msgs.indexOf('closed'), 'logs closing, then closed');
    t.notOk(p.lines.some((l) => l.msg === 'close timed out; exiting'));
    const out = JSON.stringify(p.lines) + p.stderr.join('');
    t.notMatch(out, KEY, 'the key never appears in the output');
  });

  t.test('a request that never finishes cannot hold the exit past the deadline', async (t) => {
    const DEADLINE = 1000;
    const p = runServer(['--port', '0', '--model-dir', model.dir, '--shutdown-timeout-ms', String(DEADLINE)], { FER_HOST: '127.0.0.1', FER_THREADS: '1' });
    t.teardown(() => void p.child.kill('SIGKILL'));
    const url = await readyUrl(p);
    const { port } = new URL(url);
    // Headers and part of the body, then nothing.
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/predict?detect=never', headers: { 'content-type': 'image/png', 'content-length': img.length } });
    req.on('error', () => {});
    req.write(img.subarray(0, 10));
    await new Promise((r) => setTimeout(r, 200));
    const termAt = Date.now();
    p.child.kill('SIGTERM');
    const code = await p.exit;
    const took = Date.now() - termAt;
    t.equal(code, 1, 'exits 1: the close did not finish');
    // By the server's own clock (its log times): cut off a teardown allowance before the deadline
    // (cutOffAt). Seen from here, the exit also waits for signal delivery and the exit
    // notification, which a starved 2-core machine delays by a few hundred ms: that bound only
    // says the process did not hang.
    const at = (msg: string) => p.lines.find((l) => l.msg === msg)?.time as number | undefined;
    const closing = at('closing: finishing requests in flight');
    const cut = at('close timed out; exiting');
    t.ok(cut !== undefined && closing !== undefined, 'says it is closing, then why it exits');
    const cutAfter = (cut ?? Number.NaN) - (closing ?? Number.NaN);
    t.ok(cutAfter >= cutOffAt(DEADLINE) && cutAfter < DEADLINE, `cut off ${cutAfter} ms after the SIGTERM (deadline ${DEADLINE} ms, cut at ${cutOffAt(DEADLINE)} ms)`);
    t.ok(took < DEADLINE + 2000, `exited ${took} ms after SIGTERM`);
    req.destroy();
  });
});
