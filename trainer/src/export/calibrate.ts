/**
 * Temperature scaling (Guo et al. 2017): one scalar T > 0 for the whole model, fitted on a
 * labelled set by minimising the mean negative log-likelihood of softmax(logits / T). The NLL is
 * convex in 1/T, so a golden-section search over log T on a wide bracket finds the minimum.
 */
import { ECE_BINS, expectedCalibrationError, softmax } from '@amft/shared';

/** The bracket searched for T. */
export const TEMPERATURE_RANGE = { min: 0.05, max: 20 } as const;
const GOLDEN = (Math.sqrt(5) - 1) / 2;

/** Rows of a flat [n, k] logits array. */
function rows(logits: ArrayLike<number>, k: number): number {
  if (k <= 0 || logits.length % k !== 0) throw new Error(`${logits.length} logits do not form rows of ${k}`);
  return logits.length / k;
}

/** Mean negative log-likelihood of softmax(logits / T) for the true classes. */
export function meanNll(logits: ArrayLike<number>, labels: ArrayLike<number>, k: number, temperature = 1): number {
  const n = rows(logits, k);
  if (labels.length !== n) throw new Error(`${n} logit rows for ${labels.length} labels`);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let j = 0; j < k; j++) max = Math.max(max, logits[i * k + j] / temperature);
    let z = 0;
    for (let j = 0; j < k; j++) z += Math.exp(logits[i * k + j] / temperature - max);
    sum += max + Math.log(z) - logits[i * k + labels[i]] / temperature;
  }
  return n > 0 ? sum / n : 0;
}

/** softmax(logits / T) per row. */
export function scaledProbabilities(logits: ArrayLike<number>, k: number, temperature = 1): number[][] {
  const n = rows(logits, k);
  return Array.from({ length: n }, (_, i) => {
    const row = new Array<number>(k);
    for (let j = 0; j < k; j++) row[j] = logits[i * k + j] / temperature;
    return softmax(row);
  });
}

/** The T in TEMPERATURE_RANGE that minimises meanNll (golden-section search on log T, to |Δlog T| < 1e-5). */
export function fitTemperature(logits: ArrayLike<number>, labels: ArrayLike<number>, k: number): number {
  if (labels.length === 0) throw new Error('cannot fit a temperature on no samples');
  const f = (logT: number) => meanNll(logits, labels, k, Math.exp(logT));
  let a = Math.log(TEMPERATURE_RANGE.min);
  let b = Math.log(TEMPERATURE_RANGE.max);
  let c = b - GOLDEN * (b - a);
  let d = a + GOLDEN * (b - a);
  let fc = f(c);
  let fd = f(d);
  while (b - a > 1e-5) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - GOLDEN * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + GOLDEN * (b - a);
      fd = f(d);
    }
  }
  return Math.exp((a + b) / 2);
}

export interface CalibrationFit {
  temperature: number;
  eceBefore: number;
  eceAfter: number;
  nllBefore: number;
  nllAfter: number;
}

/**
 * Whether a fitted temperature is worth applying: it must not raise the expected calibration
 * error on the set it was fitted on. The NLL minimum is the standard fit (a proper scoring rule,
 * smooth, one minimum), but what a user reads is "0.64 means right about 64% of the time", which
 * is what ECE measures; on a model trained with label smoothing the two can disagree (T slightly
 * below 1 lowers NLL and raises ECE), and then the export keeps T = 1.
 */
export function keepsTemperature(fit: Pick<CalibrationFit, 'eceBefore' | 'eceAfter'>): boolean {
  return fit.eceAfter <= fit.eceBefore;
}

/** Fits T on (logits, labels) and measures ECE (ECE_BINS bins) and NLL before (T = 1) and after. */
export function calibrate(logits: ArrayLike<number>, labels: ArrayLike<number>, k: number): CalibrationFit {
  const temperature = fitTemperature(logits, labels, k);
  return {
    temperature,
    eceBefore: expectedCalibrationError(scaledProbabilities(logits, k, 1), labels, ECE_BINS),
    eceAfter: expectedCalibrationError(scaledProbabilities(logits, k, temperature), labels, ECE_BINS),
    nllBefore: meanNll(logits, labels, k, 1),
    nllAfter: meanNll(logits, labels, k, temperature),
  };
}
