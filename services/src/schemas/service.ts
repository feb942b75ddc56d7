/** The routes that are not about the model's answers: metrics, this document, the page (GET /docs: document.ts). */
import { z } from 'zod';
import { bytes, content, errors } from './replies.js';

export const metricsSchema = {
  operationId: 'metrics',
  summary: 'Prometheus metrics',
  description:
    'Prometheus text exposition format 0.0.4. Series: fer_http_requests_total and\nfer_http_request_duration_seconds {method, route, status_code}; fer_inference_duration_seconds\n{kind: image|sequence}; fer_batch_size; fer_queue_depth and fer_queue_rejected_total\n{queue: inference|preprocess}; fer_faces_per_image; fer_stage_duration_seconds {stage:\ndecode|detect|align}; fer_provider_info {model, role: classifier|detector, provider} (1);\nfer_ready; and the default process and Node.js metrics (process_cpu_seconds_total,\nprocess_resident_memory_bytes, nodejs_eventloop_lag_p99_seconds, nodejs_gc_duration_seconds, ...).\n',
  response: { 200: content('Metrics', { 'text/plain': z.string() }), ...errors(401, 503) },
} as const;

export const openapiJsonSchema = {
  operationId: 'openapi',
  summary: 'This document, as JSON',
  response: {
    200: content('OpenAPI 3.1 document', { 'application/json': z.looseObject({ openapi: z.string(), paths: z.record(z.string(), z.unknown()) }) }),
    ...errors(401, 503),
  },
} as const;

export const webPageSchema = {
  operationId: 'webPage',
  summary: 'The web page for people (photo, webcam and test-set views)',
  description:
    'A static page and its assets (under /web/), served by this service with a\nContent-Security-Policy allowing no other origin. Open without an API key; the page asks\nfor one and sends it with its API calls.\n',
  security: [],
  response: { 200: content('HTML page', { 'text/html': bytes('text/html') }), ...errors(503) },
} as const;

