/**
 * The Open Inference Protocol v2 (REST), as Triton and KServe serve it, so their clients work
 * unchanged: server metadata and health, the model's metadata (inputs and outputs as in the ONNX
 * graph) and readiness, and infer (infer.ts). Registered under the /v2 prefix as a scope of its
 * own: every body is read as bytes (JSON, or JSON + binary tensors), and every error leaves in
 * the protocol's shape `{ "error": "<message>" }` with the status the service's error handler
 * gave it (400 bad tensor, 404 unknown model, 503 busy or not ready with Retry-After).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { NotFoundError, UnknownModelError } from '../../errors.js';
import { v2Datatype, v2Dim } from '../../inference/v2-protocol.js';
import type { IoInfo } from '../../inference/session.js';
import { infer } from './infer.js';

const SERVER_NAME = 'amft-fer';
const SERVER_VERSION = '0.1.0';

type NameParams = { Params: { name: string; version?: string } };

/** The one model version served. */
const VERSION = '1';

const tensorMeta = (t: IoInfo) => ({ name: t.name, datatype: v2Datatype(t.type), shape: (t.shape ?? []).map(v2Dim) });

/** A service error body `{ error: code, message }` as the protocol's `{ error: message }`. */
function v2ErrorBody(payload: unknown): unknown {
  if (typeof payload !== 'string') return payload;
  try {
    const body = JSON.parse(payload) as { error?: unknown; message?: unknown };
    return typeof body.message === 'string' ? JSON.stringify({ error: body.message }) : payload;
  } catch {
    return payload;
  }
}

export default async function v2Routes(app: FastifyInstance, opts: { bodyLimit: number }): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: opts.bodyLimit }, (_req, body, done) => done(null, body));
  app.addHook('onSend', async (_req, reply, payload) => (reply.statusCode >= 400 ? v2ErrorBody(payload) : payload));
  app.setNotFoundHandler((req) => {
    throw new NotFoundError(req.method, req.url.split('?')[0].slice(0, 200));
  });

  const model = (req: FastifyRequest<NameParams>) => {
    const served = app.fer.model.metadata.name;
    const { name, version } = req.params;
    if (name !== served) throw new UnknownModelError(name.slice(0, 200), served);
    if (version !== undefined && version !== VERSION) throw new UnknownModelError(`${name}' version '${version.slice(0, 50)}`, `${served}' version '${VERSION}`);
    return app.fer.model;
  };
  const readiness = async (reply: { code(n: number): unknown }) => {
    const ready = await app.fer.isReady();
    reply.code(ready ? 200 : 503);
    return { ready };
  };

  app.get('/', async () => ({ name: SERVER_NAME, version: SERVER_VERSION, extensions: ['binary_tensor_data'] }));
  app.get('/health/live', async () => ({ live: true }));
  app.get('/health/ready', async (_req, reply) => readiness(reply));

  // Clients that name a version use /models/<name>/versions/<version>/...; the rest leave it out.
  for (const path of ['/models/:name', '/models/:name/versions/:version']) {
    app.get<NameParams>(path, async (req) => {
      const m = model(req);
      return { name: m.metadata.name, versions: [VERSION], platform: 'onnxruntime_onnx', inputs: m.session.inputs.map(tensorMeta), outputs: m.session.outputs.map(tensorMeta) };
    });
    app.get<NameParams>(`${path}/ready`, async (req, reply) => {
      model(req);
      return readiness(reply);
    });
    app.post<NameParams>(`${path}/infer`, async (req, reply) => {
      model(req);
      return infer(app.fer, req, reply, VERSION);
    });
  }
}
