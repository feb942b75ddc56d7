/**
 * GET /healthz: the process is up. GET /readyz: the model is loaded and warmed up (200, with
 * the execution provider in use), else 503 (starting, warm-up failed, closing, or, with
 * --inference-url, the remote server's /v2/health/ready not 200). Responses: schemas/health.ts.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { healthzSchema, readyzSchema } from '../../schemas/index.js';

export default async function healthRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get('/healthz', { schema: healthzSchema }, async () => ({ status: 'ok' as const }));

  app.get('/readyz', { schema: readyzSchema }, async (_req, reply) => {
    const body = await app.fer.readiness();
    return reply.code(body.status === 'ready' ? 200 : 503).send(body);
  });
}
