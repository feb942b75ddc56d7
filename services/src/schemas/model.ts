/** GET /v1/model: metadata.json as the shared schema parses it, plus how the model runs here. */
import { z } from 'zod';
import { ModelMetadata } from '@amft/shared';
import { errors, json } from './replies.js';

const int = () => z.number().int();

export const Runtime = z.object({
  device: z.string(),
  provider: z.string().describe('Execution provider in use (after any fallback to cpu).'),
  threads: int().min(0).describe("Intra-op threads, 0 = onnxruntime's choice."),
  sequenceHead: z.boolean(),
  detector: z.object({
    model: z.enum(['blazeface-128', 'blazeface-256']).describe('The model of faces=near (--detector).'),
    models: z.array(z.string()).describe('The detector models loaded (faces=all uses both).'),
    provider: z.string(),
    minScore: z.number(),
    faces: z.enum(['near', 'all']).describe('Default detection strategy (--faces).'),
    minFaceSize: int().describe('Default smallest face of faces=all (--min-face-size).'),
  }),
  preprocessWorkers: int().min(0).describe('Worker threads that decode, detect and crop; 0 = on the main thread.'),
  batching: z.object({
    maxBatch: int(),
    maxQueueDelayMs: z.number(),
    maxQueue: int(),
    queued: int(),
    running: z.boolean(),
    batches: int(),
    items: int(),
    largestBatch: int(),
    rejected: int().describe('Faces refused with 503 because the queue was full.'),
    dropped: int().optional().describe('Faces dropped before inference because their request was cancelled (client gone, deadline, another image failed).'),
  }),
});
export type Runtime = z.output<typeof Runtime>;

export const ModelInfo = ModelMetadata.extend({ runtime: Runtime }).meta({ id: 'ModelInfo', description: 'metadata.json (see shared/src/metadata.ts) plus `runtime`.' });

export const modelSchema = {
  operationId: 'getModel',
  summary: "The loaded model's metadata and runtime",
  response: { 200: json('metadata.json as parsed by the shared schema, plus `runtime`', ModelInfo), ...errors(401, 503) },
} as const;
