// Issue #18 item 4: random erasing, mixup and cutmix on real FER2013 48x48 gray crops.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { GRAY48 } from '@amft/shared';
import t from 'tap';
import { buildBatch, type BatchPlan } from '../../src/data/batch-iterator.js';
import { classWeights, shuffledOrder } from '../../src/data/class-balance.js';
import { loadDataset } from '../../src/data/load-dataset.js';
import { mixBatch, sampleBeta } from '../../src/data/mix.js';
import { erasingOptions, randomErase } from '../../src/data/random-erasing.js';
import { Rng } from '../../src/data/rng.js';
import { imageAt, type ImageDataset } from '../../src/data/sample.js';
import { FER2013, SHARED_DATA_ABSENT } from '../../../test/shared-data.js';

const TRAIN = join(FER2013, 'train');
const skip = existsSync(TRAIN) ? false : SHARED_DATA_ABSENT;
const G48 = { height: 48, width: 48, channels: 1 as const };
const K = 7;

let faces: ImageDataset | undefined;
const real = async (): Promise<ImageDataset> => (faces ??= (await loadDataset({ path: TRAIN, maxSamples: 64 }, { spec: GRAY48 })).dataset);

t.test('random erasing: one rectangle of 2-40% of the area, aspect 0.3-3.3, random values, reproducible from the seed', { skip }, async (t) => {
  const ds = await real();
  const o = erasingOptions(1);
  let erased = 0;
  for (let i = 0; i < ds.samples.length; i++) {
    const src = imageAt(ds, i);
    const img = Uint8Array.from(src);
    const box = randomErase(img, G48, Rng.derive(5, 'erase', i), o);
    const again = Uint8Array.from(src);
    t.same(randomErase(again, G48, Rng.derive(5, 'erase', i), o), box, `image ${i}: the same box from the same seed`);
    if (!t.ok(Buffer.from(again).equals(Buffer.from(img)), `image ${i}: the same pixels from the same seed`)) break;
    if (!box) continue;
    erased += 1;
    const area = (box.width * box.height) / (48 * 48);
    const ratio = box.height / box.width;
    // rounding each side to whole pixels moves the area and ratio a little past the drawn ones
    const slack = (s: number) => (s + 1) / s;
    t.ok(area >= 0.02 / slack(Math.min(box.width, box.height)) ** 2 && area <= 0.4 * slack(Math.min(box.width, box.height)) ** 2, `image ${i}: area ${area.toFixed(3)} within 2-40%`);
    t.ok(ratio >= 0.3 / slack(box.width) / slack(box.height) && ratio <= (1 / 0.3) * slack(box.width) * slack(box.height), `image ${i}: aspect ${ratio.toFixed(2)} within 0.3-3.3`);
    t.ok(box.x >= 0 && box.y >= 0 && box.x + box.width <= 48 && box.y + box.height <= 48, 'inside the image');
    let outsideSame = true;
    let insideChanged = 0;
    for (let y = 0; y < 48; y++) {
      for (let x = 0; x < 48; x++) {
        const inside = x >= box.x && x < box.x + box.width && y >= box.y && y < box.y + box.height;
        if (!inside && img[y * 48 + x] !== src[y * 48 + x]) outsideSame = false;
        if (inside && img[y * 48 + x] !== src[y * 48 + x]) insideChanged += 1;
      }
    }
    t.ok(outsideSame, 'pixels outside the box are untouched');
    t.ok(insideChanged > 0.9 * box.width * box.height, `the box holds random values (${insideChanged} of ${box.width * box.height} changed)`);
  }
  t.ok(erased >= 60, `with p = 1 nearly every image gets a box (${erased} of 64; the rest found none that fits in 100 tries)`);
  const before = Rng.derive(5, 'x');
  const state = before.state();
  t.equal(randomErase(Uint8Array.from(imageAt(ds, 0)), G48, before, erasingOptions(0)), null);
  t.same(before.state(), state, 'p = 0 draws nothing from the stream');
  const half = Array.from({ length: 400 }, (_, i) => randomErase(Uint8Array.from(imageAt(ds, 0)), G48, Rng.derive(1, i), erasingOptions(0.5)) !== null);
  const share = half.filter(Boolean).length / half.length;
  t.ok(share > 0.42 && share < 0.58, `p = 0.5 erases about half the images (${share})`);
});

t.test('batches: erasing changes only the erased images; the crop/flip/jitter of every image stays that of the plain recipe', { skip }, async (t) => {
  const ds = await real();
  const plan: BatchPlan = { dataset: ds, spec: GRAY48, batchSize: 16, order: shuffledOrder(64, Rng.fromSeed(2)), augment: { seed: 3, epoch: 0 } };
  const plain = buildBatch(plan, 1);
  const erased = buildBatch({ ...plan, augment: { seed: 3, epoch: 0, erasing: 0.5 } }, 1);
  t.same(buildBatch({ ...plan, augment: { seed: 3, epoch: 0, erasing: 0.5 } }, 1), erased, 'reproducible');
  t.same(buildBatch({ ...plan, augment: { seed: 3, epoch: 0, erasing: 0 } }, 1), plain, 'erasing 0 is the plain recipe');
  const per = 48 * 48;
  let changed = 0;
  for (let i = 0; i < 16; i++) {
    const a = plain.x.subarray(i * per, (i + 1) * per);
    const b = erased.x.subarray(i * per, (i + 1) * per);
    let diff = 0;
    for (let j = 0; j < per; j++) if (a[j] !== b[j]) diff += 1;
    if (diff > 0) changed += 1;
    t.ok(diff === 0 || diff <= 0.4 * per * 1.2, `image ${i}: ${diff} pixels differ (at most the largest box)`);
  }
  t.ok(changed > 3 && changed < 14, `about half the images were erased (${changed} of 16)`);
  t.same(erased.labels, plain.labels);
  t.equal(erased.targets, null, 'no soft targets without mixing');
});

t.test('Beta(alpha, alpha) draws: in [0, 1], mean 1/2, spread as alpha says', async (t) => {
  for (const [alpha, variance] of [[0.2, 1 / (4 * 1.4)], [1, 1 / 12], [4, 1 / (4 * 9)]] as const) {
    const rng = Rng.fromSeed(11);
    const xs = Array.from({ length: 4000 }, () => sampleBeta(rng, alpha, alpha));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const v = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
    t.ok(xs.every((x) => x >= 0 && x <= 1), `alpha ${alpha}: in [0, 1]`);
    t.ok(Math.abs(mean - 0.5) < 0.03, `alpha ${alpha}: mean ${mean.toFixed(3)}`);
    t.ok(Math.abs(v - variance) < 0.15 * variance, `alpha ${alpha}: variance ${v.toFixed(4)}, expected ${variance.toFixed(4)}`);
  }
});

t.test('mixup: each image is lambda of itself and 1 - lambda of its partner, targets likewise and sum to 1', { skip }, async (t) => {
  const ds = await real();
  const plan: BatchPlan = { dataset: ds, spec: GRAY48, batchSize: 16, augment: { seed: 3, epoch: 0 } };
  const plain = buildBatch(plan, 0);
  const x = plain.x.slice();
  const m = mixBatch(x, plain.labels, G48, null, Rng.fromSeed(4), { mixup: 0.4, cutmix: 0, numClasses: K });
  t.equal(m.mode, 'mixup');
  t.ok(m.lambda > 0 && m.lambda < 1, `lambda ${m.lambda}`);
  t.same([...m.partner].sort((a, b) => a - b), Array.from({ length: 16 }, (_, i) => i), 'partners are a permutation of the batch');
  const per = 48 * 48;
  let maxErr = 0;
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < per; j += 7) {
      const want = m.lambda * plain.x[i * per + j] + (1 - m.lambda) * plain.x[m.partner[i] * per + j];
      maxErr = Math.max(maxErr, Math.abs(x[i * per + j] - want));
    }
    const row = m.targets.subarray(i * K, (i + 1) * K);
    t.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-6, `row ${i} sums to 1`);
    const a = plain.labels[i];
    const b = plain.labels[m.partner[i]];
    if (a === b) t.ok(Math.abs(row[a] - 1) < 1e-6);
    else t.ok(Math.abs(row[a] - m.lambda) < 1e-6 && Math.abs(row[b] - (1 - m.lambda)) < 1e-6, `row ${i}: ${row[a].toFixed(4)} on its label, ${row[b].toFixed(4)} on its partner's`);
    t.equal(m.labels[i], m.lambda >= 0.5 ? a : b, 'the hard label is the larger share');
  }
  t.ok(maxErr < 1e-6, `pixels are the lambda blend (max error ${maxErr})`);
  t.equal(m.weights, null);

  // with class weights the per-sample weight is lambda*w_a + (1-lambda)*w_b, the target the weighted shares
  const w = classWeights([1, 2, 3, 4, 5, 6, 7]);
  const mw = mixBatch(plain.x.slice(), plain.labels, G48, w, Rng.fromSeed(4), { mixup: 0.4, cutmix: 0, numClasses: K });
  for (let i = 0; i < 16; i++) {
    const a = plain.labels[i];
    const b = plain.labels[mw.partner[i]];
    const want = mw.lambda * w[a] + (1 - mw.lambda) * w[b];
    t.ok(Math.abs(mw.weights![i] - want) < 1e-5, `row ${i}: weight ${mw.weights![i]}`);
    if (a !== b) t.ok(Math.abs(mw.targets[i * K + a] - (mw.lambda * w[a]) / want) < 1e-5);
  }
});

t.test('cutmix: the pasted box is the partner\'s, the targets match the pasted area; batches reproducible', { skip }, async (t) => {
  const ds = await real();
  const plan: BatchPlan = { dataset: ds, spec: GRAY48, batchSize: 16, order: shuffledOrder(64, Rng.fromSeed(8)), augment: { seed: 3, epoch: 1 } };
  const plain = buildBatch(plan, 2);
  const x = plain.x.slice();
  const m = mixBatch(x, plain.labels, G48, null, Rng.fromSeed(9), { mixup: 0, cutmix: 1, numClasses: K });
  t.equal(m.mode, 'cutmix');
  const [x0, y0, x1, y1] = m.box!;
  const pasted = ((x1 - x0) * (y1 - y0)) / (48 * 48);
  t.ok(pasted > 0 && pasted < 1, `box ${m.box} covers ${(100 * pasted).toFixed(1)}%`);
  t.ok(Math.abs(1 - m.lambda - pasted) < 1e-9, 'lambda is 1 - the pasted area');
  const per = 48 * 48;
  for (let i = 0; i < 16; i++) {
    let fromPartner = 0;
    let fromSelf = 0;
    for (let y = 0; y < 48; y++) {
      for (let xx = 0; xx < 48; xx++) {
        const j = y * 48 + xx;
        const inside = xx >= x0 && xx < x1 && y >= y0 && y < y1;
        if (inside && x[i * per + j] === plain.x[m.partner[i] * per + j]) fromPartner += 1;
        if (!inside && x[i * per + j] === plain.x[i * per + j]) fromSelf += 1;
      }
    }
    t.equal(fromPartner, (x1 - x0) * (y1 - y0), `image ${i}: the box is its partner's`);
    t.equal(fromSelf, per - (x1 - x0) * (y1 - y0), `image ${i}: the rest is its own`);
    const row = m.targets.subarray(i * K, (i + 1) * K);
    t.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-6);
    if (plain.labels[i] !== plain.labels[m.partner[i]]) t.ok(Math.abs(row[plain.labels[m.partner[i]]] - pasted) < 1e-6, `row ${i}: the partner's share is the pasted area`);
  }
  const mixed = { ...plan, augment: { seed: 3, epoch: 1, mix: { mixup: 0.2, cutmix: 1, numClasses: K } } };
  const a = buildBatch(mixed, 2);
  t.same(buildBatch(mixed, 2), a, 'a mixed batch is the same built twice');
  t.not(a.targets, null);
  t.equal(a.targets!.length, 16 * K);
  const modes = new Set(Array.from({ length: 40 }, (_, s) => mixBatch(plain.x.slice(), plain.labels, G48, null, Rng.fromSeed(s), { mixup: 0.2, cutmix: 1, numClasses: K }).mode));
  t.same([...modes].sort(), ['cutmix', 'mixup'], 'with both on, batches take either');
});
