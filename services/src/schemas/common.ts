/**
 * The shapes the routes answer with, shared by several routes: faces, expressions, boxes, the
 * model reference, timings and the error body. Each has an `id`, so the API document names it
 * once under components.schemas and refers to it. Response types come from here (z.output), not
 * from interfaces kept by hand.
 */
import { z } from 'zod';
import { LABELS } from '@amft/shared';

const unit = () => z.number().min(0).max(1);

export const Label = z.enum(LABELS).meta({ id: 'Label' });

export const Probabilities = z
  .object({ angry: unit(), disgust: unit(), fear: unit(), happy: unit(), sad: unit(), surprise: unit(), neutral: unit() })
  .meta({ id: 'Probabilities' });

export const Expression = z
  .object({
    label: Label,
    confidence: unit().describe('Probability of `label`.'),
    probabilities: Probabilities,
  })
  .meta({ id: 'Expression' });
export type Expression = z.output<typeof Expression>;

export const Point = z.object({ x: z.number(), y: z.number() }).meta({ id: 'Point' });

export const Box = z
  .object({ x: z.number().min(0), y: z.number().min(0), width: z.number().positive(), height: z.number().positive() })
  .meta({ id: 'Box', description: 'Pixels of the upright image; x, y is the top-left corner.' });

export const Landmarks = z
  .object({ rightEye: Point, leftEye: Point, noseTip: Point, mouth: Point, rightEar: Point, leftEar: Point })
  .meta({ id: 'Landmarks', description: "BlazeFace keypoints in image pixels, named from the subject's point of view." });

const faceShape = {
  box: Box,
  score: unit().nullable().describe('Detector confidence; null when the face is the whole image rather than a detection.'),
  landmarks: Landmarks.optional(),
  expression: Expression,
};
export const Face = z.object(faceShape).meta({ id: 'Face' });
export type Face = z.output<typeof Face>;

export const Detection = z.enum(['detected', 'none-found-whole-image', 'none-found', 'whole-image']).meta({
  id: 'Detection',
  description:
    'detected: found by the detector. none-found-whole-image: detect=auto found none in a crop-sized image, the whole image is the face. none-found: no face (detect=always, or detect=auto on a larger image), zero faces. whole-image: detect=never.',
});

export const ModelRef = z
  .object({ name: z.string(), variant: z.string(), provider: z.string().describe('Execution provider in use (cpu, cuda).') })
  .meta({ id: 'ModelRef' });
export type ModelRef = z.output<typeof ModelRef>;

const ms = () => z.number().min(0);
export const Timings = z
  .object({ decodeMs: ms(), detectMs: ms(), alignMs: ms(), inferMs: ms(), totalMs: ms() })
  .meta({ id: 'Timings', description: 'Milliseconds spent in each stage of the request (summed over its images).' });
export type Timings = z.output<typeof Timings>;

/** Every error of the service's own routes: `{ error: <FER_ERR_* code>, message }`. */
export const ErrorBody = z
  .object({ error: z.string().regex(/^FER_ERR_[A-Z_]+$/), message: z.string() })
  .meta({ id: 'Error', examples: [{ error: 'FER_ERR_BAD_IMAGE', message: "image 'photo.jpg' could not be decoded: not a JPEG, PNG or WebP image" }] });
export type ErrorBody = z.output<typeof ErrorBody>;

/** The Open Inference Protocol's error shape, for the /v2 routes. */
export const V2ErrorBody = z
  .object({ error: z.string().min(1) })
  .meta({ id: 'V2Error', examples: [{ error: "unknown model 'other'; this server serves 'fer-lite'" }] });
