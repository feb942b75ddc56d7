/**
 * The application: the configuration as `app.config`, third-party plugins (plugins/external),
 * ours (plugins/app), then routes, one error handler. Every route's query, params and responses
 * are zod schemas (schemas/): queries validated by fastify-type-provider-zod, responses
 * serialized by fast-json-stringify (http/serialize.ts). No process concerns here (see
 * server.ts). Every request has an id: the client's `x-request-id` when it is a sane token, else
 * a new UUID; it is in every log line of the request and echoed in the `x-request-id` header.
 * One access-log line per request, when it has been answered (fastify's two per request, at
 * arrival and at the end, cost about as much as the rest of a crop's request handling).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import type { Config } from './config.js';
import { FileTooLargeError, NotFoundError, SecretInQueryError, toClientError } from './errors.js';
import { clientErrorHandler, lingerAfterAnswer } from './http/client-error.js';
import { redactUrl, secretParam } from './http/secrets-in-url.js';
import { schemaErrorFormatter, serializerCompiler } from './http/serialize.js';
import authPlugin from './plugins/app/auth.js';
import deadlinePlugin from './plugins/app/deadline.js';
import drainPlugin from './plugins/app/drain.js';
import ferPlugin from './plugins/app/fer.js';
import metricsPlugin from './plugins/app/metrics.js';
import multipartPlugin from './plugins/external/multipart.js';
import staticPlugin from './plugins/external/static.js';
import swaggerPlugin from './plugins/external/swagger.js';
import healthRoutes from './routes/health/index.js';
import modelRoutes from './routes/model/index.js';
import predictRoutes from './routes/predict/index.js';
import predictSequenceRoutes from './routes/predict-sequence/index.js';
import evaluateRoutes from './routes/evaluate/index.js';
import { round2 } from './round.js';
import metricsRoutes from './routes/metrics/index.js';
import v2Routes from './routes/v2/index.js';

export const REQUEST_ID_HEADER = 'x-request-id';
const SANE_ID = /^[\w.:@-]{1,128}$/;

/** The client's request id when it is 1-128 characters of [A-Za-z0-9_.:@-], else a new UUID. */
export function requestId(req: IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && SANE_ID.test(given) ? given : randomUUID();
}

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
  }
}

export interface AppOptions {
  /** A pino logger; none logs nothing. */
  logger?: FastifyBaseLogger;
}

export async function buildApp(config: Config, opts: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    ...(opts.logger ? { loggerInstance: opts.logger } : { logger: false }),
    bodyLimit: config.maxBodyBytes,
    genReqId: requestId,
    requestIdHeader: false,
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    pluginTimeout: 120_000,
    requestTimeout: config.requestTimeoutMs,
    clientErrorHandler,
    schemaErrorFormatter,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorate('config', config);

  app.setErrorHandler((err: FastifyError, req, reply) => {
    // A raw image body over --max-file-bytes is the same limit as an image part: the same error.
    const rawImage = err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' && /^(image\/|application\/octet-stream)/i.test(req.headers['content-type'] ?? '');
    const { status, body } = toClientError(rawImage ? new FileTooLargeError(config.maxFileBytes) : err, req.headers['content-type']);
    // A 503 (busy, closing, deadline) is the service working as meant: no stack to log.
    if (status >= 500 && status !== 503) req.log.error({ err }, 'request failed');
    else if (status === 503) req.log.warn({ code: body.error }, 'request refused: unavailable');
    else req.log.info({ code: body.error, message: body.message }, 'request refused');
    if (status === 503) reply.header('retry-after', '1');
    // Refused before its body was read (a limit passed while streaming): the rest is not read.
    if (!req.raw.complete) {
      reply.header('connection', 'close');
      lingerAfterAnswer(req.raw);
    }
    if (status === 401) reply.header('www-authenticate', req.headers.authorization === undefined ? 'Bearer realm="fer"' : 'Bearer realm="fer", error="invalid_token"');
    return reply.code(status).type('application/json; charset=utf-8').send(body);
  });
  app.setNotFoundHandler((req) => {
    throw new NotFoundError(req.method, req.url.split('?')[0].slice(0, 200));
  });

  app.addHook('onRequest', async (req, reply) => {
    reply.header(REQUEST_ID_HEADER, req.id);
    const secret = secretParam(req.url);
    if (secret !== undefined) throw new SecretInQueryError(JSON.stringify(secret.slice(0, 40)));
  });
  app.addHook('onResponse', async (req, reply) => {
    req.log.info({ method: req.method, url: redactUrl(req.url), statusCode: reply.statusCode, ms: round2(reply.elapsedTime), remoteAddress: req.ip }, 'request completed');
  });

  await app.register(deadlinePlugin);
  await app.register(authPlugin);
  await app.register(metricsPlugin);
  await app.register(multipartPlugin);
  await app.register(drainPlugin);
  await app.register(ferPlugin);
  await app.register(swaggerPlugin);
  await app.register(staticPlugin);

  await app.register(healthRoutes);
  await app.register(modelRoutes);
  await app.register(predictRoutes);
  await app.register(predictSequenceRoutes);
  await app.register(evaluateRoutes);
  await app.register(metricsRoutes);
  await app.register(v2Routes, { prefix: '/v2', bodyLimit: config.maxFileBytes });
  return app;
}
