/**
 * Responses shared by many routes. A route lists the error statuses it can answer with
 * `errors(...)`; each maps to the error body (which is also what serializes it) and, in the API
 * document, to one of the named responses under components.responses (see document.ts), so the
 * long descriptions and headers are written once.
 */
import { z } from 'zod';
import { ErrorBody, V2ErrorBody } from './common.js';

/** A response with a description and one or more content types (the form both the type provider and @fastify/swagger read). */
export function content<T extends Record<string, z.ZodType>>(description: string, types: T): { description: string; content: { [K in keyof T]: { schema: T[K] } } } {
  const c = Object.fromEntries(Object.entries(types).map(([k, schema]) => [k, { schema }])) as { [K in keyof T]: { schema: T[K] } };
  return { description, content: c };
}

/** A JSON response with a description. */
export const json = <S extends z.ZodType>(description: string, schema: S) => content(description, { 'application/json': schema });

/** A body of bytes of one media type (a file, a page, text): sent as it is, never serialized. */
export const bytes = (mediaType: string, description?: string) =>
  z.custom<Uint8Array | string>((v) => typeof v === 'string' || v instanceof Uint8Array).meta({ type: 'string', contentMediaType: mediaType, ...(description ? { description } : {}) });

/** A v2 readiness answer; a 503 that is an error (closing, a deadline) keeps the protocol's error shape. */
export const V2Ready = z.union([z.object({ ready: z.boolean() }), V2ErrorBody]);

/** The named responses of the document (components.responses), by the body schema and status that stand for them. */
export const NAMED_RESPONSES = {
  Error: { description: 'Error', body: ErrorBody },
  Unauthorized: {
    description: 'Missing or invalid API key (FER_ERR_UNAUTHORIZED); only when the server has API keys',
    headers: { 'WWW-Authenticate': { description: '`Bearer realm="fer"`, with `error="invalid_token"` when a key was sent but is not valid', schema: { type: 'string' } } },
    body: ErrorBody,
  },
  Unavailable: {
    description:
      'Busy (FER_ERR_QUEUE_FULL: the inference or preprocessing queue is full, a request is\nrefused whole), not ready (FER_ERR_NOT_READY: closing), or past its deadline\n(FER_ERR_DEADLINE: not answered within --request-timeout-ms). Retry after the\n`Retry-After` seconds.\n',
    headers: { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 0 } } },
    body: ErrorBody,
  },
  V2Error: { description: "A v2 error, the protocol's shape", body: V2ErrorBody },
  V2Unauthorized: { description: 'Missing or invalid API key; only when the server has API keys', body: V2ErrorBody },
  V2Unavailable: {
    description: 'Busy (queue full), closing, or the remote inference server down; retry after `Retry-After` seconds',
    headers: { 'Retry-After': { schema: { type: 'integer', minimum: 0 } } },
    body: V2ErrorBody,
  },
  V2Ready: { description: '200 ready, 503 not (starting, closing, or the remote inference server not ready)', body: V2Ready },
} as const;
export type ResponseName = keyof typeof NAMED_RESPONSES;

/** The named response a route's (status, body schema) stands for, if any. */
export function namedResponse(status: string, body: unknown): ResponseName | undefined {
  if (body === ErrorBody) return status === '401' ? 'Unauthorized' : status === '503' ? 'Unavailable' : 'Error';
  if (body === V2ErrorBody) return status === '401' ? 'V2Unauthorized' : status === '503' ? 'V2Unavailable' : 'V2Error';
  if (body === V2Ready) return 'V2Ready';
  return undefined;
}

type Status = 400 | 401 | 404 | 408 | 413 | 415 | 431 | 500 | 502 | 503;

/** The error statuses of a service route, each answered with the error body. */
export function errors<S extends Status>(...statuses: S[]): Record<S, typeof ErrorBody> {
  return Object.fromEntries(statuses.map((s) => [s, ErrorBody])) as Record<S, typeof ErrorBody>;
}

/** The error statuses of a /v2 route, in the protocol's shape. */
export function v2Errors<S extends Status>(...statuses: S[]): Record<S, typeof V2ErrorBody> {
  return Object.fromEntries(statuses.map((s) => [s, V2ErrorBody])) as Record<S, typeof V2ErrorBody>;
}

/** The statuses every request to a service route can end in: 408, 431 and 400 from the HTTP parser, 401, 500, 503. */
export const COMMON_ERRORS = errors(400, 408, 431, 401, 500, 503);
