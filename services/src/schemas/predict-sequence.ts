/**
 * POST /predict-sequence: its query, request bodies (the JSON one is parsed with `JsonFrames`
 * by the route, multipart by http/uploads.ts) and responses.
 */
import { z } from 'zod';
import { Box, Detection, Expression, Face, Landmarks, ModelRef, Timings } from './common.js';
import { DetectQuery } from './queries.js';
import { bytes, errors, json } from './replies.js';

/** The JSON body: the frames as base64 strings (data: URLs accepted), in order. */
export const JsonFrames = z.object({ frames: z.array(z.string().meta({ contentEncoding: 'base64' })).min(1) });

export const ClipExpression = z
  .object({
    method: z.enum(['lstm', 'ema']),
    alpha: z.number().gt(0).max(1).optional().describe('EMA weight of the newest frame (ema only).'),
    framesUsed: z.number().int().min(0).describe('Frames with a face, the ones the clip prediction used.'),
    expression: Expression.nullable(),
  })
  .meta({ id: 'ClipExpression' });
export type ClipExpression = z.output<typeof ClipExpression>;

export const Frame = z
  .object({
    index: z.number().int().min(0),
    width: z.number().int().min(1),
    height: z.number().int().min(1),
    detection: Detection,
    tracked: z.boolean().describe("True when the face was matched to the previous frame's followed face by IoU."),
    trackId: z.number().int().min(1).nullable().describe('The track (in `tracks`) of this frame\'s face; null without a face, or when its track was dropped.'),
    face: Face.nullable(),
  })
  .meta({ id: 'Frame' });
export type Frame = z.output<typeof Frame>;

export const TrackFrame = z
  .object({
    index: z.number().int().min(0).describe('The frame.'),
    box: Box,
    score: z.number().min(0).max(1).nullable(),
    landmarks: Landmarks.optional(),
    expression: Expression,
  })
  .meta({ id: 'TrackFrame' });

export const Track = z
  .object({
    id: z.number().int().min(1).describe('Stable through the clip; 1, 2, ... in order of birth.'),
    firstFrame: z.number().int().min(0),
    lastFrame: z.number().int().min(0).describe('The last frame the face was seen in (the track ended after it, or the clip did).'),
    frames: z.array(TrackFrame).describe('The frames the face was found in, in order (a gap of up to 3 frames may be bridged).'),
    sequence: ClipExpression,
  })
  .meta({ id: 'Track' });
export type Track = z.output<typeof Track>;

export const SequenceResponse = z
  .object({ frames: z.array(Frame), tracks: z.array(Track), sequence: ClipExpression, model: ModelRef, timings: Timings })
  .meta({ id: 'SequenceResponse' });

export const predictSequenceSchema = {
  operationId: 'predictSequence',
  summary: 'Every face tracked through the frames of a clip, and their expressions',
  description:
    "Frames in order, as multipart file parts or JSON base64 strings (data: URLs accepted), at\nmost --max-frames. Every face of every frame is found (as /predict finds them) and\nclassified in one batch.\n\n`tracks`: one per face. In each frame every live track predicts its box (its last box\nmoved by its last displacement) and tracks and faces are matched greedily by IoU (best\npair first, at least 0.2). A face left over starts a track (ids 1, 2, ... in order of\nbirth); a track missing in more than 3 frames in a row ends; a track seen in only one\nframe of a longer clip is dropped. Each track lists its frames with the face's box and\nexpression in each, and one clip expression (`sequence`, below) over its frames.\n\n`frames[].face`, the clip summary kept for compatibility: the largest face of the first\nframe with faces is followed; in each later frame the face overlapping the previous one\nmost (IoU >= 0.1) is taken, else the largest face again (`tracked: false`); `trackId` is\nits track. Frames without a face have `face: null` and are left out of the clip prediction.\n\nClip prediction (`sequence`, and each track's): with the model's LSTM head (metadata `io.sequence`), `method: lstm`, the\ntracked crops run through it in order. Without one, `method: ema`: the exponential moving\naverage of the per-frame probabilities, s_1 = p_1, s_t = alpha * p_t + (1 - alpha) * s_(t-1),\nthe clip's expression being s_T (alpha is --ema-alpha, default 0.5).\n",
  querystring: DetectQuery,
  'x-body': {
    'multipart/form-data': z.object({ frames: z.array(bytes('application/octet-stream')) }).partial().meta({ description: 'The frames as file parts, in order, any field names.' }),
    'application/json': JsonFrames,
  },
  response: {
    200: json('Per-frame predictions and the clip prediction', SequenceResponse),
    ...errors(400, 413, 408, 431, 415, 401, 500, 503),
  },
} as const;
