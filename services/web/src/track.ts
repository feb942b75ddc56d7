/**
 * Faces followed across webcam frames: each face of a frame joins the track whose last box it
 * overlaps most (IoU at least `minIou`, greedy, best pairs first), else starts a new track; a
 * track unseen for `maxAgeMs` ends. Each track smooths its probabilities with an exponential
 * moving average, s = alpha * p + (1 - alpha) * s, as /predict-sequence does for a clip.
 */
import type { Box, Face } from './schemas.js';

export interface Track {
  id: number;
  box: Box;
  face: Face;
  /** Smoothed probabilities, keyed by label. */
  smoothed: Record<string, number>;
  label: string;
  confidence: number;
  lastSeen: number;
}

export interface TrackerOptions {
  alpha: number;
  minIou: number;
  maxAgeMs: number;
}

export function iou(a: Box, b: Box): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (a.width * a.height + b.width * b.height - inter);
}

export class Tracker {
  private tracks: Track[] = [];
  private nextId = 1;
  private readonly opts: TrackerOptions;

  constructor(opts: Partial<TrackerOptions> = {}) {
    this.opts = { alpha: 0.5, minIou: 0.3, maxAgeMs: 1500, ...opts };
  }

  /** The tracks of this frame's faces, in the order of `faces`. */
  update(faces: readonly Face[], now: number): Track[] {
    this.tracks = this.tracks.filter((t) => now - t.lastSeen <= this.opts.maxAgeMs);
    const pairs = faces.flatMap((f, i) => this.tracks.map((t) => ({ i, t, iou: iou(f.box, t.box) }))).filter((p) => p.iou >= this.opts.minIou);
    pairs.sort((a, b) => b.iou - a.iou);
    const matched = new Map<number, Track>();
    const taken = new Set<Track>();
    for (const p of pairs) {
      if (matched.has(p.i) || taken.has(p.t)) continue;
      matched.set(p.i, p.t);
      taken.add(p.t);
    }
    return faces.map((face, i) => {
      const probs = face.expression.probabilities;
      const prev = matched.get(i);
      const smoothed = prev ? Object.fromEntries(Object.entries(probs).map(([k, v]) => [k, this.opts.alpha * v + (1 - this.opts.alpha) * (prev.smoothed[k] ?? v)])) : { ...probs };
      const [label, confidence] = Object.entries(smoothed).reduce((best, e) => (e[1] > best[1] ? e : best));
      const track: Track = { id: prev?.id ?? this.nextId++, box: face.box, face, smoothed, label, confidence, lastSeen: now };
      if (prev) this.tracks[this.tracks.indexOf(prev)] = track;
      else this.tracks.push(track);
      return track;
    });
  }

  reset(): void {
    this.tracks = [];
  }
}
