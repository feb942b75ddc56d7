/**
 * Stage 6: model outputs -> response JSON (the shapes in openapi.yaml).
 */
import { LABELS, argmax } from '@amft/shared';
import type { Box, DetectionStatus, FaceRegion, Landmarks } from './detect/index.js';
import type { StageTimes } from './analyze.js';
import { round2 } from '../round.js';
import { timed } from './timing.js';

export interface Expression {
  label: string;
  confidence: number;
  probabilities: Record<string, number>;
}

export interface FaceJson {
  box: Box;
  score: number | null;
  landmarks?: Landmarks;
  expression: Expression;
}

export interface ImageResultJson {
  width: number;
  height: number;
  detection: DetectionStatus;
  faces: FaceJson[];
}

export interface ModelJson {
  name: string;
  variant: string;
  provider: string;
}

export function expression(probs: ArrayLike<number>): Expression {
  const i = argmax(probs, 0, LABELS.length);
  const probabilities: Record<string, number> = {};
  LABELS.forEach((l, k) => (probabilities[l] = probs[k]));
  return { label: LABELS[i], confidence: probs[i], probabilities };
}

export function faceJson(region: FaceRegion, probs: ArrayLike<number>): FaceJson {
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

  toJSON(): Record<string, number> {
    return Object.fromEntries([...Object.entries(this.parts), ['totalMs', performance.now() - this.start]].map(([k, v]) => [k, round2(v as number)]));
  }
}
