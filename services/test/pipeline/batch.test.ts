/** src/pipeline/batch.ts: the dynamic batcher. */
import t from 'tap';
import { GRAY48 } from '@amft/shared';
import { DynamicBatcher } from '../../src/pipeline/batch.js';

t.test('dynamic batcher', async (t) => {
  const calls: number[] = [];
  const make = (over: Partial<ConstructorParameters<typeof DynamicBatcher>[0]> = {}) =>
    new DynamicBatcher({
      maxBatchSize: 4,
      maxDelayMs: 20,
      maxQueue: 10,
      spec: { ...GRAY48, height: 2, width: 2 },
      outputSize: 2,
      run: async (batch, n) => {
        calls.push(n);
        await new Promise((r) => setTimeout(r, 5));
        const out = new Float32Array(n * 2);
        for (let i = 0; i < n; i++) out.set([batch[i * 4], i], i * 2); // first normalized pixel, position
        return out;
      },
      ...over,
    });
  const px = (v: number) => new Uint8Array([v, v, v, v]);
  const b = make();
  // Nine crops from three "requests" at once: batches of at most 4.
  const [r1, r2, r3] = await Promise.all([b.submit([px(0), px(255)]), b.submit([px(255), px(0), px(255)]), b.submit([px(0), px(0), px(0), px(255)])]);
  t.same(calls, [4, 4, 1]);
  t.same(Array.from(r1[0]), [-1, 0], 'normalized with the spec (0 -> -1)');
  t.same(Array.from(r1[1]), [1, 1], '255 -> 1, second in its batch');
  t.equal(r2.length, 3);
  t.equal(r3.length, 4);
  t.match(b.getStats(), { batches: 3, items: 9, largestBatch: 4, queued: 0 });

  calls.length = 0;
  const t0 = performance.now();
  await b.submit([px(1)]);
  t.ok(performance.now() - t0 >= 18, 'a lone crop waits for the queue delay');
  t.same(calls, [1]);

  await t.rejects(b.submit(Array.from({ length: 11 }, () => px(0))), { code: 'FER_ERR_QUEUE_FULL', statusCode: 503 }, 'a submit over the bound is refused whole');
  await t.rejects(b.submit([new Uint8Array(3)]), /crop 0 has 3 values, expected 4/);

  const failing = make({ run: async () => Promise.reject(new Error('boom')) });
  await t.rejects(failing.submit([px(0), px(1)]), /boom/, 'a failed batch rejects its crops');
  t.same(await failing.submit([]), []);

  const c = make();
  const pending = c.submit([px(9)]);
  await c.close();
  t.equal((await pending).length, 1, 'close runs what is queued');
  await t.rejects(c.submit([px(0)]), /closed/);
});

t.test('dynamic batcher: one entry per submit, taken in part; cancelled and failed entries', async (t) => {
  const calls: number[] = [];
  let fail = false;
  const b = new DynamicBatcher({
    maxBatchSize: 4,
    maxDelayMs: 0,
    maxQueue: 20,
    spec: { ...GRAY48, height: 1, width: 1 },
    outputSize: 1,
    run: async (batch, n) => {
      calls.push(n);
      await new Promise((r) => setTimeout(r, 20));
      if (fail) throw new Error('boom');
      return Float32Array.from(batch.subarray(0, n));
    },
  });
  const px = (v: number) => new Uint8Array([v]);
  // Ten crops in one submit run as batches of 4, 4 and 2, answered in order.
  const ten = await b.submit(Array.from({ length: 10 }, (_, i) => px(i * 20)));
  t.same(calls, [4, 4, 2]);
  t.same(
    ten.map((r) => r[0]),
    Array.from({ length: 10 }, (_, i) => Float32Array.from([((i * 20) / 255 - 0.5) / 0.5])[0]),
    'each crop its own result, in order',
  );
  // A request cancelled while part of it runs: the rest is dropped, the request rejected with the reason.
  calls.length = 0;
  const ac = new AbortController();
  const cancelled = b.submit(Array.from({ length: 6 }, () => px(1)), ac.signal);
  await new Promise((r) => setTimeout(r, 5)); // its first 4 are running (20 ms)
  const other = b.submit([px(2)]);
  ac.abort(new Error('client gone'));
  await t.rejects(cancelled, /client gone/);
  t.equal((await other).length, 1, 'the next request is answered');
  t.same(calls, [4, 1], 'the first 4 ran (already in a batch), the last 2 did not');
  t.match(b.getStats(), { dropped: 2, queued: 0 });
  // A failed batch fails each request in it once, and what of them is still queued does not run.
  calls.length = 0;
  fail = true;
  const failing = b.submit(Array.from({ length: 6 }, () => px(3)));
  await t.rejects(failing, /boom/);
  fail = false;
  t.equal((await b.submit([px(4)])).length, 1);
  t.same(calls, [4, 1], 'the failed request\'s last 2 crops were not run');
  t.match(b.getStats(), { queued: 0 });
});
