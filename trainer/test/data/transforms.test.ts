import { GRAY48, normalizePixels } from '@amft/shared';
import t from 'tap';
import { batchCount, buildBatch, iterateBatches, type BatchPlan } from '../../src/data/batch-iterator.js';
import { BatchWorkers } from '../../src/data/batch-workers.js';
import { balancedOrder, classWeights, lossWeights, shuffledOrder, sqrtClassWeights } from '../../src/data/class-balance.js';
import { resizeAffine, sampleAffine } from '../../src/data/resample.js';
import { Rng } from '../../src/data/rng.js';
import type { ImageDataset } from '../../src/data/sample.js';
import { augmentTransform, DEFAULT_AUGMENT, evalTransform } from '../../src/data/transforms.js';
import { grayPixels } from './fixtures.js';

const G16 = { height: 16, width: 16, channels: 1 as const };

function dataset(n: number, geometry = G16): ImageDataset {
  const size = geometry.height * geometry.width * geometry.channels;
  const pixels = new Uint8Array(n * size);
  for (let i = 0; i < n; i++) pixels.set(grayPixels(20 + i * 7, geometry.height, geometry.channels), i * size);
  return { geometry, samples: Array.from({ length: n }, (_, i) => ({ source: `s${i}`, label: i % 7 })), pixels };
}

t.test('Rng: seeded, restorable, derived streams independent', async (t) => {
  const a = Rng.fromSeed(7);
  const first = [a.next(), a.next(), a.next()];
  t.same([Rng.fromSeed(7).next(), Rng.fromSeed(7).next()], [first[0], first[0]]);
  const saved = a.state();
  const x = a.next();
  t.equal(Rng.fromState(saved).next(), x, 'state() restores exactly');
  t.not(Rng.derive(1, 'augment', 0, 0).next(), Rng.derive(1, 'augment', 0, 1).next());
  t.not(Rng.derive(1, 'a').next(), Rng.derive(2, 'a').next());
  const r = Rng.fromSeed(3);
  const ints = Array.from({ length: 1000 }, () => r.int(7));
  t.ok(ints.every((v) => v >= 0 && v < 7) && new Set(ints).size === 7);
});

t.test('the evaluation transform is the identity at the model geometry, deterministic otherwise', async (t) => {
  const src = grayPixels(80);
  const dst = new Uint8Array(src.length);
  evalTransform(src, G16, dst, G16);
  t.same(Buffer.from(dst), src);
  const big = new Uint8Array(32 * 32 * 3);
  evalTransform(src, G16, big, { height: 32, width: 32, channels: 3 });
  const again = new Uint8Array(big.length);
  evalTransform(src, G16, again, { height: 32, width: 32, channels: 3 });
  t.same(again, big);
  t.equal(big[0], 80);
  t.equal(big[(5 * 32 + 5) * 3 + 2], 140, 'the bright square lands where it should, in every channel');
});

t.test('resample: identity map copies, a mirror map flips', async (t) => {
  const src = grayPixels(10);
  const out = new Uint8Array(src.length);
  sampleAffine(src, G16, out, G16, resizeAffine(G16, G16));
  t.same(Buffer.from(out), src);
  sampleAffine(src, G16, out, G16, [-1, 0, 15, 0, 1, 0]);
  t.equal(out[2 * 16 + 13], 70, 'the square at x 2..5 is at x 10..13 after a flip');
  t.equal(out[2 * 16 + 2], 10);
});

t.test('augmentation is repeatable under a seed, varies between seeds, stays in range', async (t) => {
  const src = grayPixels(100);
  const run = (seed: number) => {
    const out = new Uint8Array(src.length);
    augmentTransform(src, G16, out, G16, Rng.fromSeed(seed));
    return out;
  };
  t.same(run(1), run(1));
  const variants = new Set([1, 2, 3, 4, 5, 6].map((s) => Buffer.from(run(s)).toString('hex')));
  t.equal(variants.size, 6);
  const off = { ...DEFAULT_AUGMENT, cropScale: [1, 1] as const, cropRatio: [1, 1] as const, flip: 0, rotateDegrees: 0, brightness: 0, contrast: 0 };
  const none = new Uint8Array(src.length);
  augmentTransform(src, G16, none, G16, Rng.fromSeed(9), off);
  t.same(Buffer.from(none), src, 'with every transform off it is the identity');
  const flipped = new Uint8Array(src.length);
  augmentTransform(src, G16, flipped, G16, Rng.fromSeed(9), { ...off, flip: 1 });
  t.equal(flipped[3 * 16 + 12], 160);
  t.equal(flipped[3 * 16 + 3], 100);
});

t.test('class weights and the balanced sampler', async (t) => {
  const w = classWeights([90, 10, 0, 0, 0, 0, 0]);
  t.same(Array.from(w).slice(0, 3), [100 / (2 * 90), 100 / (2 * 10), 0].map(Math.fround));
  t.ok(Math.abs((90 * w[0] + 10 * w[1]) / 100 - 1) < 1e-6, 'mean weight over the data is 1');
  const s = sqrtClassWeights([90, 10, 0, 0, 0, 0, 0]);
  t.ok(Math.abs(s[1] / s[0] - 3) < 1e-6, 'sqrt weights: 9x rarer counts 3x more');
  t.ok(Math.abs((90 * s[0] + 10 * s[1]) / 100 - 1) < 1e-6, 'sqrt weights: mean weight over the data is 1');
  t.equal(lossWeights('none', [90, 10]), null);
  t.equal(lossWeights('sampler', [90, 10]), null);
  const labels = Int32Array.from({ length: 1000 }, (_, i) => (i < 950 ? 3 : 1));
  const order = balancedOrder(labels, Rng.fromSeed(1));
  const rare = order.filter((i) => labels[i] === 1).length;
  t.ok(rare > 400 && rare < 600, `about half the draws are of the rare class (${rare})`);
  t.same(balancedOrder(labels, Rng.fromSeed(1)), order);
  const perm = shuffledOrder(50, Rng.fromSeed(2));
  t.same([...perm].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
});

t.test('batches: normalized NHWC, labels and weights; prefetching iterator equals direct builds', async (t) => {
  const ds = dataset(10);
  const spec = { ...GRAY48, height: 16, width: 16 };
  const plan: BatchPlan = { dataset: ds, spec, batchSize: 4, order: shuffledOrder(10, Rng.fromSeed(5)), augment: { seed: 3, epoch: 1 }, classWeights: classWeights([2, 2, 2, 1, 1, 1, 1]) };
  t.equal(batchCount(plan), 3);
  t.equal(batchCount({ ...plan, dropLast: true }), 2);
  const got = [];
  for await (const b of iterateBatches(plan)) got.push(b);
  t.same(got.map((b) => b.size), [4, 4, 2]);
  got.forEach((b, i) => t.same(b, buildBatch(plan, i), `batch ${i} is the same built alone (no dependence on order of work)`));
  const resumed = [];
  for await (const b of iterateBatches(plan, 1)) resumed.push(b.index);
  t.same(resumed, [1, 2]);
  t.same(Array.from(got[0].labels), Array.from(plan.order!.subarray(0, 4), (i) => i % 7));
  t.same(Array.from(got[0].weights!), Array.from(got[0].labels, (l) => (l < 3 ? 10 / 14 : 10 / 7)).map((v) => Math.fround(v)));

  const evalPlan: BatchPlan = { dataset: ds, spec, batchSize: 4 };
  const b0 = buildBatch(evalPlan, 0);
  t.equal(b0.weights, null);
  t.same(b0.x.subarray(0, 256), normalizePixels(ds.pixels.subarray(0, 256), spec, 'hwc'), 'evaluation batches are the stored images, normalized');
  t.same(buildBatch(evalPlan, 2).labels, Int32Array.from([8 % 7, 9 % 7]));
});

t.test('worker threads build the very same batches', async (t) => {
  const ds = dataset(21);
  const spec = { ...GRAY48, height: 20, width: 20 };
  const base: BatchPlan = { dataset: ds, spec, batchSize: 4, order: shuffledOrder(21, Rng.fromSeed(1)), augment: { seed: 9, epoch: 2 }, classWeights: classWeights([3, 3, 3, 3, 3, 3, 3]) };
  const workers = BatchWorkers.start(base, 2);
  t.teardown(() => workers.close());
  const plan = { ...base, workers };
  const got = [];
  for await (const b of iterateBatches(plan, 1)) got.push(b);
  t.same(got.map((b) => b.index), [1, 2, 3, 4, 5]);
  got.forEach((b) => t.same(b, buildBatch(base, b.index), `batch ${b.index}`));
  const other = { ...base, classWeights: null };
  await t.rejects(async () => {
    for await (const _ of iterateBatches({ ...other, workers })) break;
  }, /started for another dataset/);
});
