// Issue #18 item 4: the logit-adjusted loss, soft targets (mixup/cutmix) through the one loss, and
// the schedule spread over a budget.
import * as tf from '@tensorflow/tfjs';
import t from 'tap';
import { crossEntropy, logitAdjustment, perSampleCrossEntropy } from '../../src/train/loss.js';
import { learningRateAtProgress } from '../../src/train/lr-schedule.js';
import { cpuBackend } from '../cpu-backend.js';

await cpuBackend();

const lse = (v: number[]) => Math.log(v.reduce((a, x) => a + Math.exp(x), 0));
const close = (a: number, b: number, tol = 1e-5) => Math.abs(a - b) < tol;

t.test('logit adjustment: tau * log(prior) added to the logits, by hand; tau 0 is the plain loss', async (t) => {
  const counts = [10, 30, 60];
  const adj = logitAdjustment(counts, 1)!;
  t.ok(close(adj[0], Math.log(0.1), 1e-12) && close(adj[1], Math.log(0.3), 1e-12) && close(adj[2], Math.log(0.6), 1e-12), `log priors ${adj}`);
  t.same(logitAdjustment(counts, 2)!.map((v, k) => close(v, 2 * adj[k], 1e-12)), [true, true, true], 'scaled by tau');
  t.equal(logitAdjustment(counts, 0), null, 'tau 0: no adjustment');
  t.ok(logitAdjustment([0, 5, 5], 1)!.every(Number.isFinite), 'an absent class keeps a finite term');

  const logits = tf.tensor2d([[2, 0, 0], [0, 1, 0]]);
  const labels = tf.tensor1d([0, 2], 'int32');
  // by hand: z' = z + log p, loss = lse(z') - z'_y
  const z0 = [2 + Math.log(0.1), Math.log(0.3), Math.log(0.6)];
  const z1 = [Math.log(0.1), 1 + Math.log(0.3), Math.log(0.6)];
  const l0 = lse(z0) - z0[0];
  const l1 = lse(z1) - z1[2];
  const got = crossEntropy(logits, labels, null, 0, adj).dataSync()[0];
  t.ok(close(got, (l0 + l1) / 2), `mean ${got} = ${(l0 + l1) / 2}`);
  const w = tf.tensor1d([1, 3]);
  t.ok(close(crossEntropy(logits, labels, w, 0, adj).dataSync()[0], (l0 + 3 * l1) / 4), 'with sample weights');
  // with smoothing 0.3: 0.8 on the label, 0.1 elsewhere, of the adjusted log-softmax
  const s0 = 0.8 * l0 + 0.1 * (lse(z0) - z0[1]) + 0.1 * (lse(z0) - z0[2]);
  t.ok(close(perSampleCrossEntropy(logits, labels, 0.3, adj).dataSync()[0], s0), 'with label smoothing');
  t.ok(l0 > lse([2, 0, 0]) - 2, 'the rare class\'s loss grows: its logit must beat its lower prior');

  const plain = crossEntropy(logits, labels, w, 0.1).dataSync()[0];
  t.equal(crossEntropy(logits, labels, w, 0.1, logitAdjustment(counts, 0)).dataSync()[0], plain, 'tau 0: exactly the plain loss');
  t.equal(crossEntropy(logits, labels, w, 0.1, [0, 0, 0]).dataSync()[0], plain, 'a zero adjustment: exactly the plain loss');
  tf.dispose([logits, labels, w]);
});

t.test('soft targets: one-hot rows equal integer labels; a mixed row is the mix of the two losses, with smoothing and class weights', async (t) => {
  const logits = tf.tensor2d([[2, 0, 0.5], [0, 1, 0], [0.3, -1, 2]]);
  const labels = tf.tensor1d([0, 2, 1], 'int32');
  const oneHot = tf.oneHot(labels, 3).toFloat();
  t.same(perSampleCrossEntropy(logits, oneHot, 0.1).dataSync(), perSampleCrossEntropy(logits, labels, 0.1).dataSync(), 'one-hot rows: the same losses');

  // sample 0 mixed from label 0 (lambda 0.7) and label 2, class weights w0 = 2, w2 = 0.5
  const lambda = 0.7;
  const s = 0.1;
  const [wa, wb] = [2, 0.5];
  const ce = (row: number[], y: number) => (1 - s) * (lse(row) - row[y]) + (s / 3) * row.reduce((a, v) => a + lse(row) - v, 0);
  const row = [2, 0, 0.5];
  const W = lambda * wa + (1 - lambda) * wb;
  const target = tf.tensor2d([[(lambda * wa) / W, 0, ((1 - lambda) * wb) / W]]);
  const mixed = crossEntropy(tf.tensor2d([row]), target, tf.tensor1d([W]), s).dataSync()[0];
  const want = (lambda * wa * ce(row, 0) + (1 - lambda) * wb * ce(row, 2)) / W;
  t.ok(close(mixed, want), `the weighted mix of the two smoothed losses (${mixed} = ${want})`);
  tf.dispose([logits, labels, oneHot, target]);
});

t.test('the schedule over a budget: warm-up, cosine, and its end at the budget', async (t) => {
  const s = { peak: 1, min: 0.1, warmup: 0.1 };
  t.equal(learningRateAtProgress(0, s), 0);
  t.ok(close(learningRateAtProgress(0.05, s), 0.5, 1e-12), 'halfway through the warm-up');
  t.equal(learningRateAtProgress(0.1, s), 1, 'peak after the warm-up');
  t.ok(close(learningRateAtProgress(0.55, s), 0.55, 1e-12), 'the mean of peak and min halfway through the decay');
  t.ok(close(learningRateAtProgress(1, s), 0.1, 1e-12), 'min when the budget is spent');
  t.ok(close(learningRateAtProgress(1.3, s), 0.1, 1e-12), 'and after');
  t.equal(learningRateAtProgress(0.3, { ...s, warmup: 0 }), 0.1 + 0.45 * (1 + Math.cos(Math.PI * 0.3)), 'no warm-up');
});
