/**
 * POST /predict-sequence: the ordered frames of a clip (multipart files in order, or JSON
 * `{ "frames": ["<base64>", ...] }`, data: URLs accepted) -> every face tracked through the
 * clip, and, for compatibility, one followed face with its expression in each frame and one
 * expression for the clip.
 *
 * Every frame is decoded and its faces found (in parallel, on the preprocessing workers), then
 * - `tracks`: one per face (pipeline/track.ts: IoU matching of predicted boxes, births, ends
 *   after 3 missed frames, tracks of a single frame dropped), each with its per-frame boxes and
 *   expressions and one smoothed expression;
 * - `frames[].face`: the followed face: the largest face of the first frame with faces, then the
 *   face overlapping the previous one most (IoU >= 0.1; `tracked: true`), else the largest again
 *   (`tracked: false`); `trackId` names its track. Frames without a face have `face: null`.
 * - `sequence`: the followed face's clip expression (pipeline/sequence.ts): the LSTM head when the
 *   model has one (metadata io.sequence, `method: "lstm"`), else the exponential moving average
 *   of its per-frame probabilities (`method: "ema"`, alpha from --ema-alpha, default 0.5).
 * Every face is classified in one batch. Query, bodies and responses: schemas/predict-sequence.ts.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from '../../config.js';
import { BadImageError, FileTooLargeError, MissingFieldError, TooManyFramesError, UnsupportedTypeError } from '../../errors.js';
import { faceOptions } from '../../http/detect-query.js';
import { readMultipart, routeUploadLimits, type Upload } from '../../http/uploads.js';
import { faceJson, Timings } from '../../pipeline/respond.js';
import { clipExpression } from '../../pipeline/sequence.js';
import { followLargest, trackFaces } from '../../pipeline/track.js';
import { JsonFrames, predictSequenceSchema, type Frame, type Track } from '../../schemas/index.js';

async function readFrames(req: FastifyRequest, config: Config): Promise<Upload[]> {
  if (req.isMultipart()) {
    const { files } = await readMultipart(req, routeUploadLimits(config).sequence);
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
    // The same limit and error as a multipart frame, judged before decoding the base64.
    if (Math.floor((b64.replace(/=+$/, '').length * 3) / 4) > config.maxFileBytes) throw new FileTooLargeError(config.maxFileBytes);
    if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(b64)) throw new BadImageError(`frame ${i + 1}`, 'not valid base64');
    const data = Buffer.from(b64, 'base64');
    return { field: 'frames', filename: `frame ${i + 1}`, mimetype: m?.[1] ?? '', data };
  });
}

export default async function predictSequenceRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { config } = app;
  app.post('/predict-sequence', { bodyLimit: config.maxSequenceBytes, schema: predictSequenceSchema }, async (req) => {
    const { analyzeAll, classify, classifySequence, describe } = app.fer;
    const { detect } = req.query;
    const faces = faceOptions(req.query, config);
    const { model, metadata } = describe();
    const frames = await readFrames(req, config);
    const timings = new Timings();

    // Every frame decoded, detected and cropped in parallel, admitted whole within the pixel
    // budgets; one bad frame fails the request and cancels the rest.
    const analyzed = await analyzeAll(
      frames.map((f, i) => {
        const name = f.field === 'frames' && f.filename === `frame ${i + 1}` ? f.filename : `frame ${i + 1} ('${f.filename}')`;
        return { source: { kind: 'bytes' as const, bytes: f.data, name, declaredType: f.mimetype }, mode: detect, faces };
      }),
      req.work,
    );
    for (const a of analyzed) timings.add(a.times);
    const boxes = analyzed.map((a) => a.faces.map((f) => f.box));
    const tracks = trackFaces(boxes);
    const followed = followLargest(boxes);

    // Classify every face that is in a track or followed, in one batch.
    const key = (frame: number, face: number) => `${frame}:${face}`;
    const wanted = new Map<string, { frame: number; face: number }>();
    for (const tr of tracks) for (const h of tr.hits) wanted.set(key(h.frame, h.face), h);
    followed.forEach((f, frame) => f.face >= 0 && wanted.set(key(frame, f.face), { frame, face: f.face }));
    const items = [...wanted.values()];
    const probs = await timings.time('inferMs', () => classify(
        items.map((h) => analyzed[h.frame].crops[h.face]),
        req.work,
      ),
    );
    const probsOf = new Map(items.map((h, i) => [key(h.frame, h.face), probs[i]]));
    const face = (frame: number, i: number) => faceJson(analyzed[frame].faces[i], probsOf.get(key(frame, i))!);
    const crop = (frame: number, i: number) => analyzed[frame].crops[i];

    const clip = { classifySequence, spec: metadata.preprocessing, emaAlpha: config.emaAlpha };
    const clipOf = (hits: { frame: number; face: number }[]) =>
      timings.time('inferMs', () => clipExpression(hits.map((h) => crop(h.frame, h.face)), hits.map((h) => probsOf.get(key(h.frame, h.face))!), clip));

    const trackOf = new Map<string, number>();
    const tracksJson: Track[] = [];
    for (const tr of tracks) {
      for (const h of tr.hits) trackOf.set(key(h.frame, h.face), tr.id);
      tracksJson.push({
        id: tr.id,
        firstFrame: tr.hits[0].frame,
        lastFrame: tr.hits[tr.hits.length - 1].frame,
        frames: tr.hits.map((h) => ({ index: h.frame, ...face(h.frame, h.face) })),
        sequence: await clipOf(tr.hits),
      });
    }
    const framesJson: Frame[] = analyzed.map((a, i) => {
      const f = followed[i];
      return {
        index: i,
        width: a.width,
        height: a.height,
        detection: a.detection,
        tracked: f.tracked,
        trackId: f.face >= 0 ? (trackOf.get(key(i, f.face)) ?? null) : null,
        face: f.face >= 0 ? face(i, f.face) : null,
      };
    });
    const sequence = await clipOf(followed.flatMap((f, frame) => (f.face >= 0 ? [{ frame, face: f.face }] : [])));
    return { frames: framesJson, tracks: tracksJson, sequence, model, timings: timings.toJSON() };
  });
}
