// Mixup (Zhang et al., ICLR 2018) and cutmix (Yun et al., ICCV 2019) on a built batch, with the
// soft targets and sample weights that make the trainer's loss (train/loss.ts) the mix of the
// per-label losses. With class weights w and label smoothing s, a sample mixed from a (share λ)
// and b contributes λ·w_a·CE_s(a) + (1-λ)·w_b·CE_s(b), normalised by the batch's
// Σ λ·w_a + (1-λ)·w_b, where CE_s is the smoothed cross-entropy of one label: the batch gets
// sample weight W = λ·w_a + (1-λ)·w_b and soft target (λ·w_a·e_a + (1-λ)·w_b·e_b) / W, which the
// loss smooths as (1-s)·target + s/K. Without class weights W = 1 and the target is the plain
// λ·e_a + (1-λ)·e_b; at λ = 1 it is the unmixed loss exactly.
import { shuffledOrder } from './class-balance.js';
import type { Rng } from './rng.js';
import type { ImageGeometry } from './sample.js';

export interface MixOptions {
  /** Beta(α, α) of mixup; 0: off. */
  mixup: number;
  /** Beta(α, α) of cutmix; 0: off. With both on, each batch takes one of the two at random. */
  cutmix: number;
  numClasses: number;
}

export interface MixResult {
  mode: 'mixup' | 'cutmix';
  /** The share of each sample's own image (cutmix: 1 - the pasted box's area fraction). */
  lambda: number;
  /** Sample i is mixed with the (unmixed) sample partner[i]. */
  partner: Int32Array;
  /** cutmix: the box pasted into every sample, [x0, y0, x1, y1) */
  box?: readonly [number, number, number, number];
  /** [size, numClasses], rows sum to 1 */
  targets: Float32Array;
  /** per-sample loss weights (null without class weights) */
  weights: Float32Array | null;
  /** arg-max of each target row */
  labels: Int32Array;
}

/**
 * Mixes the normalized HWC images `x` of a batch in place, one λ and one pairing per batch (a
 * random permutation, as in the mixup paper's code), all drawn from `rng`.
 */
export function mixBatch(x: Float32Array, labels: Int32Array, g: ImageGeometry, classWeights: Float32Array | null, rng: Rng, o: MixOptions): MixResult {
  const size = labels.length;
  const mode = o.mixup > 0 && o.cutmix > 0 ? (rng.chance(0.5) ? 'cutmix' : 'mixup') : o.cutmix > 0 ? 'cutmix' : 'mixup';
  const alpha = mode === 'mixup' ? o.mixup : o.cutmix;
  let lambda = sampleBeta(rng, alpha, alpha);
  const partner = shuffledOrder(size, rng);
  const per = g.height * g.width * g.channels;
  const orig = x.slice();
  let box: MixResult['box'];
  if (mode === 'mixup') {
    for (let i = 0; i < size; i++) {
      const a = i * per;
      const b = partner[i] * per;
      for (let j = 0; j < per; j++) x[a + j] = lambda * orig[a + j] + (1 - lambda) * orig[b + j];
    }
  } else {
    box = cutBox(g, lambda, rng);
    const [x0, y0, x1, y1] = box;
    for (let i = 0; i < size; i++) {
      const a = i * per;
      const b = partner[i] * per;
      for (let r = y0; r < y1; r++) {
        const from = (r * g.width + x0) * g.channels;
        const to = (r * g.width + x1) * g.channels;
        x.set(orig.subarray(b + from, b + to), a + from);
      }
    }
    lambda = 1 - ((x1 - x0) * (y1 - y0)) / (g.width * g.height);
  }
  const k = o.numClasses;
  const targets = new Float32Array(size * k);
  const weights = classWeights ? new Float32Array(size) : null;
  const mixed = new Int32Array(size);
  for (let i = 0; i < size; i++) {
    const a = labels[i];
    const b = labels[partner[i]];
    let ma = lambda * (classWeights ? classWeights[a] : 1);
    let mb = (1 - lambda) * (classWeights ? classWeights[b] : 1);
    const w = ma + mb;
    if (weights) weights[i] = w;
    if (w > 0) {
      ma /= w;
      mb /= w;
    } else {
      ma = lambda;
      mb = 1 - lambda;
    }
    targets[i * k + a] += ma;
    targets[i * k + b] += mb;
    mixed[i] = ma >= mb ? a : b;
  }
  return { mode, lambda, partner, box, targets, weights, labels: mixed };
}

/** CutMix's box (the reference code's rand_bbox): sides √(1-λ) of the image's, centre uniform, clipped. */
function cutBox(g: ImageGeometry, lambda: number, rng: Rng): readonly [number, number, number, number] {
  const cut = Math.sqrt(1 - lambda);
  const cw = Math.floor(g.width * cut);
  const ch = Math.floor(g.height * cut);
  const cx = rng.int(g.width);
  const cy = rng.int(g.height);
  const clip = (v: number, hi: number) => Math.min(hi, Math.max(0, v));
  return [clip(cx - (cw >> 1), g.width), clip(cy - (ch >> 1), g.height), clip(cx + (cw >> 1), g.width), clip(cy + (ch >> 1), g.height)];
}

/** A standard normal draw (Box-Muller). */
function normal(rng: Rng): number {
  const u = 1 - rng.next(); // (0, 1]
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/** Gamma(a, 1) by Marsaglia and Tsang (2000); a < 1 through Gamma(a + 1)·U^(1/a). */
export function sampleGamma(rng: Rng, a: number): number {
  if (a < 1) return sampleGamma(rng, a + 1) * (1 - rng.next()) ** (1 / a);
  const d = a - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let z: number;
    let v: number;
    do {
      z = normal(rng);
      v = 1 + c * z;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - rng.next();
    if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v;
  }
}

export function sampleBeta(rng: Rng, a: number, b: number): number {
  const x = sampleGamma(rng, a);
  const y = sampleGamma(rng, b);
  return x + y > 0 ? x / (x + y) : 0.5;
}
