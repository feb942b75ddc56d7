/**
 * The application: plugins, then routes, one error handler. No process concerns here (see
 * server.ts).
 */
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { NotFoundError, toClientError } from './errors.js';
import bodyPlugin from './plugins/body.js';
import ferPlugin from './plugins/fer.js';
import openapiPlugin from './plugins/openapi.js';
import healthRoutes from './routes/health/index.js';
import modelRoutes from './routes/model/index.js';
import predictRoutes from './routes/predict/index.js';
import predictSequenceRoutes from './routes/predict-sequence/index.js';
import evaluateRoutes from './routes/evaluate/index.js';

export interface AppOptions {
  /** A pino logger; none logs nothing. */
  logger?: FastifyBaseLogger;
}

export async function buildApp(config: Config, opts: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    ...(opts.logger ? { loggerInstance: opts.logger } : { logger: false }),
    bodyLimit: 1024 * 1024,
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    pluginTimeout: 120_000,
    requestTimeout: config.requestTimeoutMs,
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const { status, body } = toClientError(err, req.headers['content-type']);
    if (status >= 500) req.log.error({ err }, 'request failed');
    else req.log.info({ code: body.error, message: body.message }, 'request refused');
    if (status === 503) reply.header('retry-after', '1');
    return reply.code(status).type('application/json; charset=utf-8').send(body);
  });
  app.setNotFoundHandler((req) => {
    throw new NotFoundError(req.method, req.url.split('?')[0].slice(0, 200));
  });

  await app.register(bodyPlugin, { config });
  await app.register(ferPlugin, { config });
  await app.register(openapiPlugin, { config });

  await app.register(healthRoutes);
  await app.register(modelRoutes);
  await app.register(predictRoutes);
  await app.register(predictSequenceRoutes);
  await app.register(evaluateRoutes);
  return app;
}
