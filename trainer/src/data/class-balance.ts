import type { Rng } from './rng.js';

/** How training copes with class imbalance. */
export type Balance = 'weighted' | 'sampler' | 'none';
export const BALANCES = ['weighted', 'sampler', 'none'] as const;

/**
 * Loss weight per class, `total / (presentClasses * count)`: a batch drawn from the training
 * distribution has mean weight 1, and every class contributes equally. Absent classes get 0.
 */
export function classWeights(counts: readonly number[]): Float32Array {
  const total = counts.reduce((a, b) => a + b, 0);
  const present = counts.filter((c) => c > 0).length;
  return Float32Array.from(counts, (c) => (c > 0 ? total / (present * c) : 0));
}

/** A random permutation of 0..n-1 (Fisher-Yates). */
export function shuffledOrder(n: number, rng: Rng): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

/**
 * `labels.length` indices drawn with replacement so that every present class is equally likely:
 * a class uniformly, then one of its samples uniformly.
 */
export function balancedOrder(labels: ArrayLike<number>, rng: Rng): Int32Array {
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const list = byClass.get(labels[i]);
    if (list) list.push(i);
    else byClass.set(labels[i], [i]);
  }
  const classes = [...byClass.keys()].sort((a, b) => a - b).map((c) => byClass.get(c)!);
  const order = new Int32Array(labels.length);
  for (let i = 0; i < order.length; i++) {
    const members = classes[rng.int(classes.length)];
    order[i] = members[rng.int(members.length)];
  }
  return order;
}
