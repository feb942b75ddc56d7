/**
 * Shutdown under hostile load, against the built server (issue #12 item 6): SIGTERM with two
 * slow decodes in flight exits within --shutdown-timeout-ms, non-zero (it was cut off); /readyz
 * says 503 from the first moment of the drain; a drain in which everything finishes exits 0.
 */
import t from 'tap';
import { syntheticImage } from '../../services/test/fixtures/helpers.js';
import { NOT_BUILT, startHostile, stripPng } from './fixtures.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('SIGTERM with two slow decodes in flight: out within the limit, non-zero', { skip: NOT_BUILT }, async (t) => {
  const LIMIT = 1000;
  // Limits opened wide so that a 1 x 24,000,000 strip (seconds of libvips decoding) is legal here.
  const wide = ['--max-side', '30000000', '--max-aspect', '30000000', '--max-request-pixels', '100000000', '--max-inflight-pixels', '100000000'];
  const s = await startHostile([...wide, '--shutdown-timeout-ms', String(LIMIT)]);
  t.teardown(s.stop);
  const strip = stripPng(1, 24_000_000);
  const send = () =>
    fetch(`${s.url}/predict?detect=never`, { method: 'POST', body: new Uint8Array(strip), headers: { 'content-type': 'image/png' } }).then(
      (r) => r.status,
      () => 'reset',
    );
  const inflight = [send(), send()];
  await sleep(800);
  const termAt = Date.now();
  s.proc.child.kill('SIGTERM');
  const code = await Promise.race([s.proc.exit, sleep(15_000).then(() => 'still running')]);
  const took = Date.now() - termAt;
  t.not(code, 'still running', 'exited');
  // the cut comes 200 ms before the limit; 300 ms more cover a late timer on a loaded 2-core machine
  t.ok(took < LIMIT + 300, `exited ${took} ms after SIGTERM (limit ${LIMIT} ms)`);
  await sleep(200); // the last log lines, still in the pipe
  t.ok(code !== 0, `non-zero: cut off (code ${code}, signal ${s.proc.child.signalCode})`);
  t.ok(
    s.proc.lines.some((l) => l.msg === 'close timed out; exiting' && l.imagesInFlight === 2),
    `says it was cut off, with the two images in flight: ${JSON.stringify(s.proc.lines.slice(-3))}`,
  );
  t.same(await Promise.all(inflight), ['reset', 'reset'], 'the two requests were cut off');
});

t.test('the drain: /readyz 503 from its first moment, the request in flight finishes, exit 0', { skip: NOT_BUILT }, async (t) => {
  const s = await startHostile(['--drain-delay-ms', '1000', '--shutdown-timeout-ms', '5000', '--max-queue-delay-ms', '1500', '--max-batch', '64']);
  t.teardown(s.stop);
  const img = await syntheticImage(48, 48, 'png');
  const predict = () => fetch(`${s.url}/predict?detect=never`, { method: 'POST', body: new Uint8Array(img), headers: { 'content-type': 'image/png' } });
  t.equal((await fetch(`${s.url}/readyz`)).status, 200, 'ready before');
  const inflight = predict(); // waits 1.5 s in the batcher
  await sleep(300);
  const termAt = Date.now();
  s.proc.child.kill('SIGTERM');
  await sleep(20);
  const readyz = await fetch(`${s.url}/readyz`);
  t.equal(readyz.status, 503, `/readyz ${Date.now() - termAt} ms after SIGTERM`);
  t.equal(((await readyz.json()) as { status: string }).status, 'closing');
  t.equal((await fetch(`${s.url}/healthz`)).status, 200, 'alive');
  const refused = await predict();
  t.equal(refused.status, 503, 'new work refused');
  t.equal(((await refused.json()) as { error: string }).error, 'FER_ERR_NOT_READY');
  t.equal((await inflight).status, 200, 'the request in flight finished');
  t.equal(await s.proc.exit, 0, 'exit 0: everything in flight finished');
  t.ok(Date.now() - termAt < 5000, `within the limit (${Date.now() - termAt} ms)`);
});
