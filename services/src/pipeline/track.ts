/**
 * Faces through the frames of a clip.
 *
 * `trackFaces` keeps one track per face: in each frame, every live track predicts its box (its
 * last box moved by its last per-frame displacement, so two faces that cross keep their ways),
 * and tracks and detections are matched greedily by IoU, the best pair first, pairs under
 * `minIou` never. A detection left over starts a track (ids 1, 2, ... in order of birth); a track
 * missing in more than `maxMissed` frames in a row ends, and one seen in fewer than `minHits`
 * frames (fewer frames than the clip has, for short clips) is dropped as noise.
 *
 * `followLargest` is the single-face answer of /predict-sequence: the largest face of the first
 * frame with faces, then in each frame the face overlapping the previous one most (IoU >= 0.1),
 * else the largest again.
 */
import { boxIou, type Box } from './detect/index.js';
import { largestFace } from './analyze.js';

export interface TrackOptions {
  /** Least IoU between a track's predicted box and a detection to match them. */
  minIou: number;
  /** Frames in a row a track may miss before it ends. */
  maxMissed: number;
  /** Frames a track needs to be reported (at most the clip's length). */
  minHits: number;
}

export const DEFAULT_TRACK_OPTIONS: TrackOptions = { minIou: 0.2, maxMissed: 3, minHits: 2 };

export interface Track {
  id: number;
  /** The frames the track covers, in order, with the index of its face in each. */
  hits: { frame: number; face: number }[];
}

interface Live {
  id: number;
  hits: { frame: number; face: number; box: Box }[];
  ended: boolean;
}

/** Where a track's face should be in `frame`: its last box moved on at its last velocity. */
export function predictBox(hits: readonly { frame: number; box: Box }[], frame: number): Box {
  const last = hits[hits.length - 1];
  if (hits.length < 2) return last.box;
  const prev = hits[hits.length - 2];
  const dt = last.frame - prev.frame;
  const k = (frame - last.frame) / dt;
  const cx = (b: Box) => b.x + b.width / 2;
  const cy = (b: Box) => b.y + b.height / 2;
  return { ...last.box, x: last.box.x + k * (cx(last.box) - cx(prev.box)), y: last.box.y + k * (cy(last.box) - cy(prev.box)) };
}

/** Greedy assignment: pairs (row, col) by descending score, each row and column used once. */
export function greedyMatch(scores: readonly (readonly number[])[], minScore: number): [number, number][] {
  const pairs: [number, number, number][] = [];
  scores.forEach((row, r) => row.forEach((s, c) => s >= minScore && pairs.push([r, c, s])));
  pairs.sort((a, b) => b[2] - a[2]);
  const rows = new Set<number>();
  const cols = new Set<number>();
  const out: [number, number][] = [];
  for (const [r, c] of pairs) {
    if (rows.has(r) || cols.has(c)) continue;
    rows.add(r);
    cols.add(c);
    out.push([r, c]);
  }
  return out;
}

/** Tracks over the face boxes of each frame (`frames[t]`: the boxes found in frame t). */
export function trackFaces(frames: readonly (readonly Box[])[], options: Partial<TrackOptions> = {}): Track[] {
  const o = { ...DEFAULT_TRACK_OPTIONS, ...options };
  const tracks: Live[] = [];
  frames.forEach((boxes, t) => {
    const live = tracks.filter((tr) => !tr.ended);
    const predicted = live.map((tr) => predictBox(tr.hits, t));
    const matches = greedyMatch(
      predicted.map((p) => boxes.map((b) => boxIou(p, b))),
      o.minIou,
    );
    const used = new Set<number>();
    for (const [r, c] of matches) {
      live[r].hits.push({ frame: t, face: c, box: boxes[c] });
      used.add(c);
    }
    for (const tr of live) if (t - tr.hits[tr.hits.length - 1].frame > o.maxMissed) tr.ended = true;
    boxes.forEach((box, c) => {
      if (!used.has(c)) tracks.push({ id: 0, hits: [{ frame: t, face: c, box }], ended: false });
    });
  });
  const minHits = Math.min(o.minHits, frames.length);
  let id = 0;
  return tracks.filter((tr) => tr.hits.length >= minHits).map((tr) => ({ id: ++id, hits: tr.hits.map(({ frame, face }) => ({ frame, face })) }));
}

/** Per frame, the index of the followed face (-1: none) and whether it was matched to the previous one. */
export function followLargest(frames: readonly (readonly Box[])[], minIou = 0.1): { face: number; tracked: boolean }[] {
  let prev: Box | undefined;
  return frames.map((boxes) => {
    if (boxes.length === 0) return { face: -1, tracked: false };
    let pick = { face: largestFace(boxes.map((box) => ({ box }))), tracked: false };
    if (prev) {
      const p = prev;
      const ious = boxes.map((b) => boxIou(b, p));
      const best = ious.indexOf(Math.max(...ious));
      if (ious[best] >= minIou) pick = { face: best, tracked: true };
    }
    prev = boxes[pick.face];
    return pick;
  });
}
