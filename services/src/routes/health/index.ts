/**
 * GET /healthz: the process is up. GET /readyz: the model is loaded and warmed up (200, with
 * the execution provider in use), else 503 (starting, warm-up failed, or closing).
 */
import type { FastifyInstance } from 'fastify';

export default async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_req, reply) => {
    const { state, model, preprocessor } = app.fer;
    const body = {
      status: state.ready ? 'ready' : state.draining ? 'closing' : state.warmupError ? 'failed' : 'starting',
      model: model.metadata.name,
      provider: model.session.provider,
      detectorProvider: preprocessor.detector.provider,
      ...(state.warmupMs !== undefined ? { warmupMs: state.warmupMs } : {}),
    };
    return reply.code(state.ready ? 200 : 503).send(body);
  });
}
