import { LABELS } from './labels.js';

export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface ClassificationReport {
  count: number;
  accuracy: number;
  macroF1: number;
  labels: string[];
  perClass: Record<string, ClassMetrics>;
  /** confusionMatrix[true][predicted] */
  confusionMatrix: number[][];
  /** Expected calibration error of the top-class confidence (ECE_BINS equal-width bins), when probabilities were known. */
  ece?: number;
}

/** Confusion matrix from paired true/predicted class indices: rows are true classes. */
export function confusionMatrix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, numClasses: number = LABELS.length): number[][] {
  if (yTrue.length !== yPred.length) throw new Error(`yTrue has ${yTrue.length} entries, yPred ${yPred.length}`);
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i];
    const p = yPred[i];
    if (!(t >= 0 && t < numClasses && p >= 0 && p < numClasses)) throw new Error(`class index out of range at ${i}: ${t}, ${p}`);
    m[t][p] += 1;
  }
  return m;
}

/**
 * Accuracy, macro-F1 and per-class precision/recall/F1/support from a confusion matrix.
 * A class with no predictions has precision 0; with no support, recall 0 (scikit-learn's
 * zero_division=0). Macro-F1 averages over the classes that have support or predictions.
 */
export function reportFromConfusion(cm: number[][], labels: readonly string[] = LABELS): ClassificationReport {
  const k = cm.length;
  let total = 0;
  let correct = 0;
  const perClass: Record<string, ClassMetrics> = {};
  let f1Sum = 0;
  let f1Count = 0;
  for (let c = 0; c < k; c++) {
    let support = 0;
    let predicted = 0;
    for (let j = 0; j < k; j++) {
      support += cm[c][j];
      predicted += cm[j][c];
      total += cm[c][j];
    }
    const tp = cm[c][c];
    correct += tp;
    const precision = predicted > 0 ? tp / predicted : 0;
    const recall = support > 0 ? tp / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    perClass[labels[c]] = { precision, recall, f1, support };
    if (support > 0 || predicted > 0) {
      f1Sum += f1;
      f1Count += 1;
    }
  }
  return {
    count: total,
    accuracy: total > 0 ? correct / total : 0,
    macroF1: f1Count > 0 ? f1Sum / f1Count : 0,
    labels: [...labels],
    perClass,
    confusionMatrix: cm.map((r) => [...r]),
  };
}

export function classificationReport(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, labels: readonly string[] = LABELS): ClassificationReport {
  return reportFromConfusion(confusionMatrix(yTrue, yPred, labels.length), labels);
}

/** Index of the largest value (first on ties). */
export function argmax(values: ArrayLike<number>, offset = 0, length = values.length - offset): number {
  let best = 0;
  for (let i = 1; i < length; i++) if (values[offset + i] > values[offset + best]) best = i;
  return best;
}

/** Numerically stable softmax of `length` values at `offset`. */
export function softmax(values: ArrayLike<number>, offset = 0, length = values.length - offset): number[] {
  let max = -Infinity;
  for (let i = 0; i < length; i++) max = Math.max(max, values[offset + i]);
  const out = new Array<number>(length);
  let sum = 0;
  for (let i = 0; i < length; i++) {
    out[i] = Math.exp(values[offset + i] - max);
    sum += out[i];
  }
  for (let i = 0; i < length; i++) out[i] /= sum;
  return out;
}

/** Bins of the expected calibration error: equal-width confidence bins over (0, 1]. */
export const ECE_BINS = 15;

/**
 * Expected calibration error (Guo et al. 2017): the top-class confidence of each row is put in
 * one of `bins` equal-width bins ((0, 1/bins], ..., ((bins-1)/bins, 1]); ECE is the mean over
 * rows of |accuracy(bin) - mean confidence(bin)|, i.e. sum over bins of |B|/n times that gap.
 * `probabilities[i]` is row i's distribution, `yTrue[i]` its class. 0 for no rows.
 */
export function expectedCalibrationError(probabilities: ReadonlyArray<ArrayLike<number>>, yTrue: ArrayLike<number>, bins: number = ECE_BINS): number {
  if (probabilities.length !== yTrue.length) throw new Error(`${probabilities.length} probability rows for ${yTrue.length} labels`);
  if (!(Number.isInteger(bins) && bins > 0)) throw new Error(`bins must be a positive integer, got ${bins}`);
  const count = new Array<number>(bins).fill(0);
  const confSum = new Array<number>(bins).fill(0);
  const correctSum = new Array<number>(bins).fill(0);
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i];
    const top = argmax(p);
    const conf = p[top];
    const b = Math.min(bins - 1, Math.max(0, Math.ceil(conf * bins) - 1));
    count[b] += 1;
    confSum[b] += conf;
    if (top === yTrue[i]) correctSum[b] += 1;
  }
  let ece = 0;
  for (let b = 0; b < bins; b++) if (count[b] > 0) ece += Math.abs(correctSum[b] - confSum[b]);
  return probabilities.length > 0 ? ece / probabilities.length : 0;
}

/** A report as Markdown: summary, per-class table, confusion matrix. */
export function reportToMarkdown(r: ClassificationReport, title = 'Evaluation'): string {
  const pct = (x: number) => (100 * x).toFixed(2);
  const lines = [
    `# ${title}`,
    '',
    `- samples: ${r.count}`,
    `- accuracy: ${pct(r.accuracy)}%`,
    `- macro-F1: ${pct(r.macroF1)}%`,
    ...(r.ece !== undefined ? [`- expected calibration error (${ECE_BINS} bins): ${pct(r.ece)}%`] : []),
    '',
    '| class | precision | recall | F1 | support |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...r.labels.map((l) => {
      const m = r.perClass[l];
      return `| ${l} | ${pct(m.precision)} | ${pct(m.recall)} | ${pct(m.f1)} | ${m.support} |`;
    }),
    '',
    'Confusion matrix (rows: true, columns: predicted)',
    '',
    `| | ${r.labels.join(' | ')} |`,
    `| --- | ${r.labels.map(() => '---:').join(' | ')} |`,
    ...r.confusionMatrix.map((row, i) => `| **${r.labels[i]}** | ${row.join(' | ')} |`),
    '',
  ];
  return lines.join('\n');
}
