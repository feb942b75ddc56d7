/**
 * POST /predict: its query, request bodies (for the document: the body plugin and
 * http/uploads.ts read them) and responses.
 */
import { z } from 'zod';
import { Detection, Face, ModelRef, Timings } from './common.js';
import { PredictQuery } from './queries.js';
import { bytes, content, errors } from './replies.js';

export const ImageResult = z
  .object({
    width: z.number().int().min(1),
    height: z.number().int().min(1),
    detection: Detection,
    faces: z.array(Face),
  })
  .meta({ id: 'ImageResult' });
export type ImageResult = z.output<typeof ImageResult>;

/** A /predict answer with one face: the document's example (what /docs shows). */
export const PREDICT_EXAMPLE = {
  results: [
    {
      width: 640,
      height: 480,
      detection: 'detected',
      faces: [
        {
          box: { x: 236.4, y: 118.2, width: 161.9, height: 161.9 },
          score: 0.93,
          landmarks: {
            rightEye: { x: 284.1, y: 172.6 },
            leftEye: { x: 350.3, y: 171.9 },
            noseTip: { x: 318.8, y: 210.4 },
            mouth: { x: 317.5, y: 243.7 },
            rightEar: { x: 243.2, y: 181.5 },
            leftEar: { x: 392.6, y: 179.8 },
          },
          expression: {
            label: 'happy',
            confidence: 0.87,
            probabilities: { angry: 0.01, disgust: 0, fear: 0.02, happy: 0.87, sad: 0.02, surprise: 0.03, neutral: 0.05 },
          },
        },
      ],
    },
  ],
  model: { name: 'fer-lite', variant: 'lite', provider: 'cpu' },
  timings: { decodeMs: 3.1, detectMs: 6.4, alignMs: 0.4, inferMs: 2.2, totalMs: 12.9 },
};

export const PredictResponse = z
  .object({ results: z.array(ImageResult), model: ModelRef, timings: Timings })
  .meta({ id: 'PredictResponse', examples: [PREDICT_EXAMPLE] });
export type PredictResponse = z.output<typeof PredictResponse>;

const anyFile = () => z.array(bytes('application/octet-stream'));

export const predictSchema = {
  operationId: 'predict',
  summary: 'Faces and their expressions in one or more images',
  description:
    "Images are JPEG, PNG or WebP (recognised by their bytes), turned upright by their EXIF\norientation. Results come in the order of the images. One bad image fails the request.\nEach face is cropped with the model's `preprocessing.faceMargin` around its box, rotated\nso the eyes are level, and resized to the model input.\n\nWith `annotate=1`, or an `Accept` header naming `image/png` (before any\n`application/json`), the answer is the photo itself as PNG, upright, with each face's box,\nkeypoints and `label confidence%` drawn (one image per request).\n",
  querystring: PredictQuery,
  'x-body': {
    'multipart/form-data': z.object({ image: anyFile() }).partial().meta({
      description:
        'One or more file parts, any field names (e.g. `image`), at most --max-files (default 16, up to 10,000); the bulk path, where the faces of all parts go to the batcher together (services/README.md, "Bulk scoring").',
    }),
    'image/jpeg': bytes('image/jpeg'),
    'image/png': bytes('image/png'),
    'image/webp': bytes('image/webp'),
    'application/octet-stream': bytes('application/octet-stream'),
  },
  response: {
    200: content('One result per image; with annotate, the photo with its faces drawn', { 'application/json': PredictResponse, 'image/png': bytes('image/png') }),
    ...errors(400, 413, 408, 431, 415, 401, 500, 503),
  },
} as const;
