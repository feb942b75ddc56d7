/** GET /healthz and GET /readyz. */
import { z } from 'zod';
import { ErrorBody } from './common.js';
import { json } from './replies.js';

export const Readiness = z
  .object({
    status: z.enum(['ready', 'starting', 'failed', 'closing', 'remote-unavailable']),
    model: z.string(),
    provider: z.string().describe('Execution provider of the expression model.'),
    detectorProvider: z.string(),
    warmupMs: z.number().min(0).optional(),
  })
  .meta({ id: 'Readiness' });
export type Readiness = z.output<typeof Readiness>;

export const healthzSchema = {
  operationId: 'healthz',
  summary: 'Liveness',
  security: [],
  response: { 200: json('The process is up', z.object({ status: z.literal('ok') })) },
} as const;

export const readyzSchema = {
  operationId: 'readyz',
  summary: 'Readiness (model loaded and warmed up)',
  description: '200 once the model is loaded and warmed up (one inference per batch size 1, 2, 4, ..., --max-batch).',
  security: [],
  response: {
    200: json('Ready', Readiness),
    // A 503 is the readiness answer; an error (e.g. the request's deadline) keeps its error body.
    503: json('Starting, warm-up failed, or closing', z.union([Readiness, ErrorBody])),
  },
} as const;
