/**
 * Stage 6: model outputs -> response JSON (the shapes of schemas/, which openapi.yaml is generated from).
 */
import { LABELS, argmax } from '@amft/shared';
import type { FaceRegion } from './detect/index.js';
import type { StageTimes } from './analyze.js';
import type { Expression, Face, Timings as TimingsJson } from '../schemas/index.js';
import { round2 } from '../round.js';
import { timed } from './timing.js';

export function expression(probs: ArrayLike<number>): Expression {
  const i = argmax(probs, 0, LABELS.length);
  const probabilities = Object.fromEntries(LABELS.map((l, k) => [l, probs[k]])) as Expression['probabilities'];
  return { label: LABELS[i], confidence: probs[i], probabilities };
}

export function faceJson(region: FaceRegion, probs: ArrayLike<number>): Face {
  return {
    box: region.box,
    score: region.score,
    ...(region.landmarks ? { landmarks: region.landmarks } : {}),
    expression: expression(probs),
  };
}

/** Accumulates the time spent in each stage of a request. */
export class Timings {
  private readonly start = performance.now();
  private readonly parts: Record<string, number> = { decodeMs: 0, detectMs: 0, alignMs: 0, inferMs: 0 };

  async time<T>(stage: 'decodeMs' | 'detectMs' | 'alignMs' | 'inferMs', f: () => Promise<T> | T): Promise<T> {
    const [v, took] = await timed(f);
    this.parts[stage] += took;
    return v;
  }

  /** Adds the per-image stage times of one image. */
  add(times: StageTimes): void {
    this.parts.decodeMs += times.decodeMs;
    this.parts.detectMs += times.detectMs;
    this.parts.alignMs += times.alignMs;
  }

  toJSON(): TimingsJson {
    const p = this.parts;
    return { decodeMs: round2(p.decodeMs), detectMs: round2(p.detectMs), alignMs: round2(p.alignMs), inferMs: round2(p.inferMs), totalMs: round2(performance.now() - this.start) };
  }
}
