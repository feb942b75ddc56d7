/**
 * GET /healthz: the process is up. GET /readyz: the model is loaded and warmed up (200, with
 * the execution provider in use), else 503 (starting, warm-up failed, closing, or, with
 * --inference-url, the remote server's /v2/health/ready not 200).
 */
import type { FastifyInstance } from 'fastify';

export default async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_req, reply) => {
    const { state, model, preprocessor, isReady } = app.fer;
    const ready = await isReady();
    const body = {
      status: ready ? 'ready' : state.draining ? 'closing' : state.warmupError ? 'failed' : state.ready ? 'remote-unavailable' : 'starting',
      model: model.metadata.name,
      provider: model.session.provider,
      detectorProvider: preprocessor.detector.provider,
      ...(state.warmupMs !== undefined ? { warmupMs: state.warmupMs } : {}),
    };
    return reply.code(ready ? 200 : 503).send(body);
  });
}
