/**
 * One expression for a run of face crops in clip order (a track, or the followed face): the
 * model's LSTM head over the crops when it has one (`method: "lstm"`), else an exponential
 * moving average of the per-frame probabilities, s_1 = p_1, s_t = alpha * p_t + (1 - alpha) *
 * s_(t-1), the expression being s_T (`method: "ema"`).
 */
import { normalizePixels, type PreprocessingSpec } from '@amft/shared';
import { NUM_OUTPUTS, type SequenceOutput } from './infer.js';
import { expression } from './respond.js';
import type { ClipExpression } from '../schemas/index.js';

export interface ClipDeps {
  /** The model's LSTM head over normalized frames; absent when it has none. */
  classifySequence?: (frames: Float32Array, t: number) => Promise<SequenceOutput>;
  spec: PreprocessingSpec;
  emaAlpha: number;
}

/** The EMA of per-frame probabilities (the last state), or null for no frames. */
export function emaProbabilities(probs: readonly ArrayLike<number>[], alpha: number): number[] | null {
  let s: number[] | null = null;
  for (const p of probs) s = s ? s.map((v, c) => alpha * p[c] + (1 - alpha) * v) : Array.from({ length: NUM_OUTPUTS }, (_, c) => p[c]);
  return s;
}

/** The clip expression of `crops` (model-sized, in order) with their per-frame probabilities. */
export async function clipExpression(crops: readonly Uint8Array[], probs: readonly ArrayLike<number>[], deps: ClipDeps): Promise<ClipExpression> {
  if (deps.classifySequence) {
    if (crops.length === 0) return { method: 'lstm', framesUsed: 0, expression: null };
    const { spec } = deps;
    const size = spec.channels * spec.height * spec.width;
    const input = new Float32Array(crops.length * size);
    crops.forEach((c, i) => normalizePixels(c, spec, 'chw', input, i * size));
    const out = await deps.classifySequence(input, crops.length);
    return { method: 'lstm', framesUsed: crops.length, expression: expression(out.probabilities) };
  }
  const s = emaProbabilities(probs, deps.emaAlpha);
  return { method: 'ema', alpha: deps.emaAlpha, framesUsed: probs.length, expression: s ? expression(s) : null };
}
