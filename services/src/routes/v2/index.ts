/**
 * The Open Inference Protocol v2 (REST), as Triton and KServe serve it, so their clients work
 * unchanged: server metadata and health, the model's metadata (inputs and outputs as in the ONNX
 * graph) and readiness, and infer (infer.ts). Registered under the /v2 prefix as a scope of its
 * own: every body is read as bytes (JSON, or JSON + binary tensors), and every error leaves in
 * the protocol's shape `{ "error": "<message>" }` with the status the service's error handler
 * gave it (400 bad tensor, 404 unknown model, 503 busy or not ready with Retry-After).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { NotFoundError, UnknownModelError } from '../../errors.js';
import { v2Datatype, v2Dim } from '../../inference/v2-protocol.js';
import type { IoInfo } from '../../inference/session.js';
import { v2LiveSchema, v2ModelSchemas, v2ReadySchema, v2ServerSchema } from '../../schemas/index.js';
import { infer } from './infer.js';

const SERVER_NAME = 'amft-fer';
const SERVER_VERSION = '0.1.0';

/** The one model version served. */
const VERSION = '1';

const tensorMeta = (t: IoInfo) => ({ name: t.name, datatype: v2Datatype(t.type), shape: (t.shape ?? []).map(v2Dim) });

/** A service error body `{ error: code, message }` as the protocol's `{ error: message }`. */
function v2ErrorBody(payload: unknown): unknown {
  const body = payload as { error?: unknown; message?: unknown } | null;
  return body && typeof body === 'object' && typeof body.message === 'string' ? { error: body.message } : payload;
}

export default async function v2Routes(fastify: FastifyInstance, opts: { bodyLimit: number }): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: opts.bodyLimit }, (_req, body, done) => done(null, body));
  // Before serialization, so the error is serialized in the protocol's shape.
  app.addHook('preSerialization', async (_req, reply, payload) => (reply.statusCode >= 400 ? v2ErrorBody(payload) : payload));
  app.setNotFoundHandler((req) => {
    throw new NotFoundError(req.method, req.url.split('?')[0].slice(0, 200));
  });

  /** The served model, when the path names it (and version 1, when it names a version). */
  const model = (params: { name: string; version?: string }) => {
    const d = app.fer.describe();
    const served = d.metadata.name;
    const { name, version } = params;
    if (name !== served) throw new UnknownModelError(name.slice(0, 200), served);
    if (version !== undefined && version !== VERSION) throw new UnknownModelError(`${name}' version '${version.slice(0, 50)}`, `${served}' version '${VERSION}`);
    return d;
  };
  const readiness = async (reply: { code(n: number): unknown }) => {
    const ready = await app.fer.isReady();
    reply.code(ready ? 200 : 503);
    return { ready };
  };

  app.get('/', { schema: v2ServerSchema }, async () => ({ name: SERVER_NAME, version: SERVER_VERSION, extensions: ['binary_tensor_data'] }));
  app.get('/health/live', { schema: v2LiveSchema }, async () => ({ live: true as const }));
  app.get('/health/ready', { schema: v2ReadySchema }, async (_req, reply) => readiness(reply));

  // Clients that name a version use /models/<name>/versions/<version>/...; the rest leave it out.
  for (const [path, versioned] of [['/models/:name', false], ['/models/:name/versions/:version', true]] as const) {
    const schemas = v2ModelSchemas(versioned);
    app.get(path, { schema: schemas.metadata }, async (req) => {
      const m = model(req.params);
      return { name: m.metadata.name, versions: [VERSION], platform: 'onnxruntime_onnx', inputs: m.graph.inputs.map(tensorMeta), outputs: m.graph.outputs.map(tensorMeta) };
    });
    app.get(`${path}/ready`, { schema: schemas.ready }, async (req, reply) => {
      model(req.params);
      return readiness(reply);
    });
    app.post(`${path}/infer`, { schema: schemas.infer }, async (req, reply) => {
      model(req.params);
      return infer(app.fer, req, reply, VERSION);
    });
  }
}
