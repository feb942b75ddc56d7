/** Linear warm-up from ~0 to `peak` over `warmupSteps`, then cosine decay to `min` at `totalSteps`. */
export interface CosineSchedule {
  peak: number;
  min: number;
  warmupSteps: number;
  totalSteps: number;
}

/** Learning rate for the 0-based optimizer step `step`. */
export function learningRateAt(step: number, s: CosineSchedule): number {
  if (step < s.warmupSteps) return (s.peak * (step + 1)) / s.warmupSteps;
  const span = Math.max(1, s.totalSteps - s.warmupSteps);
  const progress = Math.min(1, (step - s.warmupSteps) / span);
  return s.min + 0.5 * (s.peak - s.min) * (1 + Math.cos(Math.PI * progress));
}

/**
 * The same warm-up + cosine shape over a budget instead of steps (budgeted training, Li et al.,
 * ICLR 2020): `progress` is the fraction of the budget spent (0..1), the first `warmup` of it
 * a linear warm-up from 0, the rest the cosine decay to `min`, reached as the budget runs out.
 */
export function learningRateAtProgress(progress: number, s: { peak: number; min: number; warmup: number }): number {
  const p = Math.min(1, Math.max(0, progress));
  if (p < s.warmup) return (s.peak * p) / s.warmup;
  const q = s.warmup < 1 ? (p - s.warmup) / (1 - s.warmup) : 1;
  return s.min + 0.5 * (s.peak - s.min) * (1 + Math.cos(Math.PI * q));
}
