/**
 * Worker threads (shared/src/threads/) and the expression model on its own thread
 * (inference/worker-session.ts).
 */
import t from 'tap';
import { join } from 'node:path';
import { ThreadClient } from '@amft/shared/threads';
import { Session } from '../src/inference/session.js';
import { WorkerSession } from '../src/inference/worker-session.js';
import { GRAY48 } from '@amft/shared';
import { bundledDetectorPath, DEFAULT_FACE_OPTIONS } from '../src/pipeline/detect/index.js';
import { PreprocessPool } from '../src/pipeline/preprocess.js';
import { makeModel } from './fixtures/make-model.js';
import { syntheticImage } from './fixtures/helpers.js';
import type { EchoRequest } from './fixtures/echo-thread.js';

const ECHO = new URL('./fixtures/echo-thread.ts', import.meta.url);

t.test('ThreadClient: calls, coded errors, a worker that dies, close', async (t) => {
  const logged: string[] = [];
  const log = { info: () => {}, warn: () => {}, error: (_o: object, m?: string) => void logged.push(m ?? '') };
  const c = await ThreadClient.start<{ started: number }, EchoRequest, unknown>(ECHO, undefined, { log, name: 'echo' });
  t.type(c.info.started, 'number', 'the worker describes itself when ready');
  t.same(await c.call({ value: [1, 'two', { three: 3 }] }), { echo: [1, 'two', { three: 3 }] });
  t.same(await Promise.all([1, 2, 3].map((v) => c.call({ value: v, delayMs: 10 * (4 - v) }))), [{ echo: 1 }, { echo: 2 }, { echo: 3 }], 'answers matched to their calls');

  await t.rejects(c.call({ fail: 'no good' }), { message: 'no good', code: 'FER_ERR_BAD_IMAGE', statusCode: 400 }, 'a coded error keeps its code and status');

  const inFlight = c.call({ value: 'lost', delayMs: 200 });
  await t.rejects(c.call({ exit: 3 }), /echo thread exited with code 3/, 'a worker that dies fails its call');
  await t.rejects(inFlight, /exited with code 3/, '... and every other call in flight');
  t.same(await c.call({ value: 'again' }), { echo: 'again' }, 'and is started again');
  t.match(logged, ['worker thread exited; starting it again']);

  const slow = c.call({ value: 'slow', delayMs: 300 });
  await c.close();
  t.same(await slow, { echo: 'slow' }, 'close waits for the calls in flight');
  await t.rejects(c.call({ value: 1 }), /echo thread is closed/);
  await c.close(); // twice is fine
});

t.test('ThreadClient: transfer lists move buffers; restart: false leaves a dead worker closed', async (t) => {
  const c = await ThreadClient.start<{ started: number }, EchoRequest, unknown>(ECHO, undefined, { name: 'echo', restart: false, unref: true });
  const bytes = Uint8Array.from([1, 2, 3]);
  t.same(await c.call({ value: bytes }, [bytes.buffer]), { echo: Uint8Array.from([1, 2, 3]) }, 'the worker got the bytes');
  t.equal(bytes.byteLength, 0, 'moved, not copied');
  await t.rejects(c.call({ exit: 2 }), /echo thread exited with code 2/);
  await t.rejects(c.call({ value: 1 }), /echo thread is closed/, 'not started again');
  await c.close();
});

t.test('ThreadClient: a worker that cannot open rejects start with its error', async (t) => {
  await t.rejects(ThreadClient.start(ECHO, { failOpen: 'no model' }, { name: 'echo' }), /cannot open: no model/);
});

t.test('WorkerSession: the same outputs as a session on this thread, and the same errors', async (t) => {
  const path = join(makeModel({ sequence: 'two-inputs' }).dir, 'model.onnx');
  const opts = { device: 'cpu', threads: 1 };
  const local = await Session.open(path, opts);
  const remote = await WorkerSession.open(path, opts);
  t.teardown(async () => {
    await local.release();
    await remote.release();
  });
  t.same(remote.inputNames, local.inputNames);
  t.same(remote.outputNames, local.outputNames);
  t.same(remote.inputs, local.inputs);
  t.equal(remote.provider, 'cpu');
  const x = new Float32Array(3 * 48 * 48).map((_, i) => Math.sin(i));
  const feeds = { input: { data: x, dims: [3, 1, 48, 48] }, frames: { data: x, dims: [1, 3, 1, 48, 48] } };
  const a = await local.run(feeds, ['probabilities', 'frame_logits']);
  const b = await remote.run(feeds, ['probabilities', 'frame_logits']);
  t.same(Array.from(b.probabilities.data), Array.from(a.probabilities.data), 'identical probabilities');
  t.same(b.frame_logits.dims, [1, 3, 7]);
  await t.rejects(remote.run({ input: feeds.input }, ['logits']), { name: 'SessionRunError', message: /missing: frames/ });
});

t.test('WorkerSession: a feed given up moves to the thread (no copy), with the same outputs', async (t) => {
  const path = join(makeModel().dir, 'model.onnx');
  const local = await Session.open(path, { device: 'cpu', threads: 1 });
  const remote = await WorkerSession.open(path, { device: 'cpu', threads: 1 });
  t.teardown(async () => {
    await local.release();
    await remote.release();
  });
  const name = remote.inputNames[0];
  const make = () => new Float32Array(2 * 48 * 48).map((_, i) => Math.cos(i));
  const expected = await local.run({ [name]: { data: make(), dims: [2, 1, 48, 48] } }, ['probabilities']);
  const kept = make();
  const copied = await remote.run({ [name]: { data: kept, dims: [2, 1, 48, 48] } }, ['probabilities']);
  t.equal(kept.length, 2 * 48 * 48, 'not given up: copied, still readable');
  const given = make();
  const moved = await remote.run({ [name]: { data: given, dims: [2, 1, 48, 48] } }, ['probabilities'], { give: [name] });
  t.equal(given.length, 0, 'given up: moved (the caller has an empty view)');
  const shared = make();
  const view = shared.subarray(0, 48 * 48);
  await remote.run({ [name]: { data: view, dims: [1, 1, 48, 48] } }, ['probabilities'], { give: [name] });
  t.equal(shared.length, 2 * 48 * 48, 'a view of part of a buffer is copied, not moved: the rest stays readable');
  t.same(Array.from(moved.probabilities.data), Array.from(expected.probabilities.data), 'moved: identical probabilities');
  t.same(Array.from(copied.probabilities.data), Array.from(expected.probabilities.data), 'copied: identical probabilities');
});

t.test('PreprocessPool: photo bytes given up move to the worker (no copy), with the same result', async (t) => {
  const pool = await PreprocessPool.start(1, {
    detectorPaths: { front: bundledDetectorPath('front'), back: bundledDetectorPath('back') },
    near: 'back',
    session: { device: 'cpu', threads: 1 },
    detector: { minScore: 0.5 },
    faces: DEFAULT_FACE_OPTIONS,
    spec: GRAY48,
    maxPixels: 10_000_000,
  });
  t.teardown(() => pool.close());
  const photo = () => syntheticImage(320, 240, 'jpeg', 3).then((b) => new Uint8Array(b)); // its own buffer, no pool slab
  const job = (bytes: Uint8Array, give: boolean) => ({ source: { kind: 'bytes' as const, bytes, name: 'photo.jpg', give }, mode: 'auto' as const });
  const kept = await photo();
  const a = await pool.analyze(job(kept, false));
  t.ok(kept.length > 4096, 'not given up: copied, still readable');
  const given = await photo();
  const b = await pool.analyze(job(given, true));
  t.equal(given.length, 0, 'given up: moved to the worker');
  const view = new Uint8Array(new ArrayBuffer(kept.length + 16), 8, kept.length);
  view.set(kept);
  const c = await pool.analyze(job(view, true));
  t.equal(view.length, kept.length, 'a view of part of a buffer is copied, not moved');
  t.same({ ...b, times: undefined }, { ...a, times: undefined }, 'moved: the same faces and crops');
  t.same({ ...c, times: undefined }, { ...a, times: undefined }, 'copied: the same faces and crops');
});
