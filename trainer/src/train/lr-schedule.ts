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
