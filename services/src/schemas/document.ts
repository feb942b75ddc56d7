/**
 * The API document around the route schemas: its info, servers, security and named responses,
 * and the two transforms @fastify/swagger applies. `transform` (per route) is the type
 * provider's jsonSchemaTransform, plus the request bodies of `x-body` and the named responses
 * as placeholders; `transformObject` adds the named schemas, turns the placeholders into `$ref`s
 * to components.responses, leaves out the unused input copies of named schemas, and shows the
 * named schemas' examples as their payloads' `example` (what /docs shows).
 * openapi.yaml is this document (`npm run openapi`, scripts/generate-openapi.ts).
 */
import { z } from 'zod';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { NAMED_RESPONSES, namedResponse } from './replies.js';

const DESCRIPTION = [
  "Detects faces (MediaPipe BlazeFace) and classifies their expression with the loaded AMFT",
  "ONNX model, into the seven FER2013 classes: angry, disgust, fear, happy, sad, surprise,",
  "neutral.",
  "",
  "Every error is JSON `{ \"error\": \"<FER_ERR_* code>\", \"message\": \"...\" }`. 4xx messages name",
  "the problem; 5xx messages are generic. Codes: FER_ERR_BAD_IMAGE (400, corrupt or empty image),",
  "FER_ERR_UNSUPPORTED_TYPE (415), FER_ERR_TOO_MANY_FILES / FER_ERR_TOO_MANY_FRAMES /",
  "FER_ERR_TOO_MANY_ROWS (413), FER_ERR_FILE_TOO_LARGE / FER_ERR_BODY_TOO_LARGE (413, bytes),",
  "FER_ERR_IMAGE_TOO_LARGE (413, pixel limit), FER_ERR_MISSING_FIELD (400), FER_ERR_BAD_CSV",
  "(400), FER_ERR_BAD_PARAMETER (400), FER_ERR_BAD_REQUEST (400, also a malformed multipart",
  "body, e.g. a part without Content-Disposition), FER_ERR_PATH_ESCAPE (400, as written or",
  "through a symlink), FER_ERR_FILE_NOT_FOUND (404), FER_ERR_NO_DATA_ROOT (400),",
  "FER_ERR_NOT_FOUND (404), FER_ERR_QUEUE_FULL (503), FER_ERR_NOT_READY (503, closing),",
  "FER_ERR_UNAUTHORIZED (401), FER_ERR_INTERNAL (500), FER_ERR_TOO_MANY_PIXELS (413, decoded",
  "pixels of a request), FER_ERR_SECRET_IN_QUERY (400, a credential-like query parameter such",
  "as `api_key`: keys go in the Authorization header), FER_ERR_DEADLINE (503, not answered",
  "within --request-timeout-ms), FER_ERR_REQUEST_TIMEOUT (408, the request was not received in",
  "time), FER_ERR_HEADERS_TOO_LARGE (431); with --inference-url, FER_ERR_REMOTE_UNAVAILABLE",
  "(503, the remote v2 server down or timing out after retries) and FER_ERR_REMOTE_REJECTED",
  "(502). Every 503 has a `Retry-After` header. The /v2 routes answer errors in the Open",
  "Inference Protocol's shape `{ \"error\": \"<message>\" }` instead.",
  "",
  "Limits (services/README.md has the table): a file part over --max-file-bytes is refused with",
  "413 as soon as it passes the limit, and a request over its route's total (--max-files x",
  "--max-file-bytes for /predict, --max-sequence-bytes, --max-eval-bytes) from its",
  "Content-Length or once that many bytes have come; such a 413 closes the connection. An",
  "image's decode cost is judged from its header before anything is decoded",
  "(FER_ERR_IMAGE_TOO_LARGE: --max-pixels, --max-side, --max-aspect). A request is admitted",
  "whole, waits its turn whole, or is refused at once with 503 FER_ERR_QUEUE_FULL. A 408, 431 or malformed-request 400",
  "from the HTTP parser comes on any route, with the same body, and closes the connection.",
  "",
  "Authentication is optional: when the server has API keys (`--api-keys` / `FER_API_KEYS`),",
  "every route but the health probes (`/healthz`, `/readyz`, `/v2/health/live`, `/v2/health/ready`) needs `Authorization: Bearer",
  "<key>`, else 401 with `WWW-Authenticate: Bearer`. Without keys the service is open.",
  "",
  "Each request has an id: the `x-request-id` request header when it is 1-128 characters of",
  "`[A-Za-z0-9_.:@-]`, else a new UUID. It is echoed in the `x-request-id` response header and",
  "is in every log line of the request.",
].join('\n');

const REF = '#/components/responses/';

/** A JSON Schema of a body for the document; named schemas inside it refer to components.schemas. */
const bodySchema = (s: z.ZodType, io: 'input' | 'output' = 'input') => {
  const { $schema: _, $defs: __, ...json } = z.toJSONSchema(s, { io, target: 'draft-2020-12', unrepresentable: 'any' }) as Record<string, unknown>;
  return JSON.parse(JSON.stringify(json).replaceAll('"#/$defs/', '"#/components/schemas/')) as Record<string, unknown>;
};

/** The document's top: everything but the paths, which come from the routes. */
export function documentBase() {
  return {
    openapi: '3.1.0',
    info: { title: 'AMFT facial-expression recognition service', version: '0.1.0', description: `${DESCRIPTION}\n`, license: { name: 'MIT' } },
    servers: [{ url: 'http://127.0.0.1:8080' }],
    security: [{}, { bearerAuth: [] }] as Record<string, string[]>[],
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http' as const, scheme: 'bearer', description: 'An API key of the server (--api-keys / FER_API_KEYS), when it has any.' },
      },
    },
  };
}

type TransformInput = Parameters<typeof jsonSchemaTransform>[0];

/** Per route: zod to JSON Schema (the type provider), `x-body` to a request body, named responses to placeholders. */
export function transform(input: TransformInput): ReturnType<typeof jsonSchemaTransform> {
  const original = (input.schema ?? {}) as Record<string, unknown>;
  const out = jsonSchemaTransform(input);
  const schema = out.schema as Record<string, unknown> | undefined;
  if (!schema || schema.hide) return out;
  const body = original['x-body'] as Record<string, z.ZodType> | undefined;
  if (body) schema['x-body'] = { required: true, content: Object.fromEntries(Object.entries(body).map(([type, s]) => [type, { schema: bodySchema(s) }])) };
  const responses = (original.response ?? {}) as Record<string, unknown>;
  const transformed = (schema.response ?? {}) as Record<string, unknown>;
  for (const [status, s] of Object.entries(responses)) {
    const name = namedResponse(status, s);
    // A response of no content whose description is the reference (see transformObject).
    if (name) transformed[status] = { type: 'null', description: `${REF}${name}` };
  }
  return out;
}

type Doc = {
  paths: Record<string, Record<string, Record<string, unknown> & { responses?: Record<string, { description?: string; content?: unknown; $ref?: string }> }>>;
  components: Record<string, Record<string, unknown>>;
};

/** The whole document: named schemas and responses, `$ref`s in place of the placeholders. */
export function transformObject(input: Parameters<typeof jsonSchemaTransformObject>[0]): ReturnType<typeof jsonSchemaTransformObject> {
  const doc = jsonSchemaTransformObject(input) as unknown as Doc;
  // Swagger UI serves /docs itself, as a hidden route.
  doc.paths['/docs'] = { get: { operationId: 'docs', summary: 'Swagger UI for this document', responses: { '200': { description: 'HTML page', content: { 'text/html': { schema: { type: 'string', contentMediaType: 'text/html' } } } }, '401': { $ref: `${REF}Unauthorized` }, '503': { $ref: `${REF}Unavailable` } } } };
  for (const path of Object.values(doc.paths)) {
    for (const op of Object.values(path)) {
      if (op['x-body']) {
        op.requestBody = op['x-body'];
        delete op['x-body'];
      }
      for (const [status, r] of Object.entries(op.responses ?? {})) {
        if (r.description?.startsWith(REF) && r.content === undefined) (op.responses as Record<string, unknown>)[status] = { $ref: r.description };
      }
    }
  }
  doc.components.responses = Object.fromEntries(
    Object.entries(NAMED_RESPONSES).map(([name, r]) => [
      name,
      { description: r.description, ...('headers' in r ? { headers: r.headers } : {}), content: { 'application/json': { schema: refOrInline(r.body) } } },
    ]),
  );
  dropUnused(doc);
  addExamples(doc);
  // fastify serves the prefix's `/` route at `/v2` too: the document names it as clients call it.
  const paths = Object.fromEntries(Object.entries(doc.paths).map(([p, v]) => [p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p, v]));
  // The paths before the components, as a reader looks for them.
  const { openapi, info, servers, security, components, paths: _, ...rest } = doc as unknown as Record<string, unknown>;
  return { openapi, info, servers, security, paths, ...rest, components } as unknown as ReturnType<typeof jsonSchemaTransformObject>;
}

function refOrInline(s: z.ZodType): unknown {
  const id = z.globalRegistry.get(s)?.id;
  return id ? { $ref: `#/components/schemas/${id}` } : bodySchema(s, 'output');
}

/** Leaves out the named schemas nothing refers to (the type provider adds an input copy of each). */
function dropUnused(doc: Doc): void {
  const schemas = doc.components.schemas ?? {};
  for (;;) {
    const text = JSON.stringify(doc);
    const unused = Object.keys(schemas).filter((k) => !text.includes(`"#/components/schemas/${k}"`));
    if (unused.length === 0) return;
    for (const k of unused) delete schemas[k];
  }
}

/** Media types whose schema is a named schema with `examples` show the first as their `example` (Swagger UI's payload). */
function addExamples(doc: Doc): void {
  const schemas = (doc.components.schemas ?? {}) as Record<string, { examples?: unknown[] }>;
  const media = [...Object.values(doc.paths).flatMap((p) => Object.values(p).flatMap((op) => Object.values(op.responses ?? {}))), ...Object.values(doc.components.responses ?? {})];
  for (const r of media as { content?: Record<string, { schema?: { $ref?: string }; example?: unknown }> }[]) {
    for (const m of Object.values(r.content ?? {})) {
      const example = schemas[m.schema?.$ref?.replace('#/components/schemas/', '') ?? '']?.examples?.[0];
      if (example !== undefined) m.example = example;
    }
  }
}
