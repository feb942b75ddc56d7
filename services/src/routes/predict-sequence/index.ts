/**
 * POST /predict-sequence: the ordered frames of a clip (multipart files in order, or JSON
 * `{ "frames": ["<base64>", ...] }`, data: URLs accepted) -> one face tracked through the clip,
 * its expression in each frame, and one expression for the clip.
 *
 * Tracking: in the first frame with faces, the largest face; in each later frame, the face whose
 * box overlaps the previous tracked box most (IoU >= 0.1), else the largest face again
 * (`tracked: false`). Frames without a face (detect=always) have `face: null` and are left out
 * of the clip prediction.
 *
 * Clip prediction: when the model has an LSTM head (metadata io.sequence), the tracked crops go
 * through it in order (`method: "lstm"`). Otherwise the per-frame probabilities are smoothed
 * with an exponential moving average, s_1 = p_1, s_t = alpha * p_t + (1 - alpha) * s_(t-1), and
 * the clip's expression is s_T (`method: "ema"`, alpha from --ema-alpha, default 0.5).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { normalizePixels } from '@amft/shared';
import type { Config } from '../../config.js';
import { BadImageError, MissingFieldError, TooManyFramesError, UnsupportedTypeError } from '../../errors.js';
import { parseQuery, readMultipart, type Upload } from '../../http/uploads.js';
import type { Box, FaceRegion } from '../../pipeline/detect.js';
import { NUM_OUTPUTS } from '../../pipeline/infer.js';
import { expression, faceJson, Timings, type Expression, type FaceJson } from '../../pipeline/respond.js';
import type { DetectionStatus } from '../../pipeline/detect.js';
import { DetectQuery } from '../predict/index.js';

const TRACK_MIN_IOU = 0.1;

const JsonFrames = z.object({ frames: z.array(z.string()).min(1) });

async function readFrames(req: FastifyRequest, config: Config): Promise<Upload[]> {
  if (req.isMultipart()) {
    const { files } = await readMultipart(req, { maxFiles: config.maxFrames, maxFileBytes: config.maxFileBytes, tooMany: () => new TooManyFramesError(config.maxFrames) });
    if (files.length === 0) throw new MissingFieldError('frames: the multipart body has no file part (send the frames as files, in order)');
    return files;
  }
  const body = req.body;
  if (body === undefined || body === null) throw new MissingFieldError('frames: the request has no body');
  if (Buffer.isBuffer(body) || typeof body === 'string') {
    throw new UnsupportedTypeError(`${req.headers['content-type'] ?? 'no content type'}; send multipart/form-data frames or JSON {"frames": [base64, ...]}`);
  }
  if (typeof body !== 'object' || !('frames' in body)) throw new MissingFieldError('frames: the JSON body has no "frames" array');
  const parsed = JsonFrames.safeParse(body);
  if (!parsed.success) throw new MissingFieldError('frames: "frames" must be a non-empty array of base64 strings');
  const frames = parsed.data.frames;
  if (frames.length > config.maxFrames) throw new TooManyFramesError(config.maxFrames);
  return frames.map((s, i) => {
    const m = /^data:([\w/+.-]+)?(;[\w=.-]+)*;base64,/i.exec(s);
    const b64 = (m ? s.slice(m[0].length) : s).replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(b64)) throw new BadImageError(`frame ${i + 1}`, 'not valid base64');
    const data = Buffer.from(b64, 'base64');
    if (data.length > config.maxFileBytes) throw new BadImageError(`frame ${i + 1}`, `larger than ${config.maxFileBytes} bytes`);
    return { field: 'frames', filename: `frame ${i + 1}`, mimetype: m?.[1] ?? '', data };
  });
}

interface FrameJson {
  index: number;
  width: number;
  height: number;
  detection: DetectionStatus;
  /** True when the face was matched to the previous tracked face by IoU; false when (re)acquired as the largest face, or no face. */
  tracked: boolean;
  face: FaceJson | null;
}

export default async function predictSequenceRoutes(app: FastifyInstance): Promise<void> {
  app.post('/predict-sequence', { bodyLimit: app.fer.config.maxSequenceBytes }, async (req) => {
    const { detect } = parseQuery(DetectQuery, req.query);
    const { config, analyze, classify, classifySequence, model, modelJson } = app.fer;
    const frames = await readFrames(req, config);
    const timings = new Timings();

    // One frame after the other: each is matched to the face tracked in the frame before.
    let prev: Box | undefined;
    const picked: { width: number; height: number; detection: DetectionStatus; face: FaceRegion | null; crop: Uint8Array | null; tracked: boolean }[] = [];
    for (const [i, f] of frames.entries()) {
      const name = f.field === 'frames' && f.filename === `frame ${i + 1}` ? f.filename : `frame ${i + 1} ('${f.filename}')`;
      const a = await analyze({ source: { kind: 'bytes', bytes: f.data, name, declaredType: f.mimetype }, mode: detect, pick: { kind: 'track', prev, minIou: TRACK_MIN_IOU } });
      timings.add(a.times);
      const face = a.faces[0] ?? null;
      if (face) prev = face.box;
      picked.push({ width: a.width, height: a.height, detection: a.detection, face, crop: a.crops[0] ?? null, tracked: a.tracked });
    }

    const crops = picked.flatMap((p) => (p.crop ? [p.crop] : []));
    const probs = await timings.time('inferMs', () => classify(crops));
    let k = 0;
    const frameProbs: (Float32Array | null)[] = picked.map((p) => (p.crop ? probs[k++] : null));
    const framesJson: FrameJson[] = picked.map((p, i) => ({
      index: i,
      width: p.width,
      height: p.height,
      detection: p.detection,
      tracked: p.tracked,
      face: p.face && frameProbs[i] ? faceJson(p.face, frameProbs[i]) : null,
    }));

    let sequence: { method: 'lstm' | 'ema'; alpha?: number; framesUsed: number; expression: Expression | null };
    if (crops.length === 0) {
      sequence = { method: model.hasSequence ? 'lstm' : 'ema', ...(model.hasSequence ? {} : { alpha: config.emaAlpha }), framesUsed: 0, expression: null };
    } else if (model.hasSequence) {
      const spec = model.metadata.preprocessing;
      const size = spec.channels * spec.height * spec.width;
      const input = new Float32Array(crops.length * size);
      crops.forEach((c, i) => normalizePixels(c, spec, 'chw', input, i * size));
      const out = await timings.time('inferMs', () => classifySequence(input, crops.length));
      sequence = { method: 'lstm', framesUsed: crops.length, expression: expression(out.probabilities) };
    } else {
      const alpha = config.emaAlpha;
      let s: number[] | undefined;
      for (const p of probs) s = s ? s.map((v, c) => alpha * p[c] + (1 - alpha) * v) : Array.from(p.subarray(0, NUM_OUTPUTS));
      sequence = { method: 'ema', alpha, framesUsed: crops.length, expression: expression(s!) };
    }
    return { frames: framesJson, sequence, model: modelJson, timings };
  });
}
