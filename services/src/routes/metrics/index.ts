/**
 * GET /metrics: the Prometheus text exposition of app.metrics (plugins/app/metrics.ts).
 */
import type { FastifyInstance } from 'fastify';
import { metricsSchema } from '../../schemas/index.js';

export default async function metricsRoutes(app: FastifyInstance): Promise<void> {
  app.get('/metrics', { schema: metricsSchema }, async (_req, reply) => {
    const { registry } = app.metrics;
    const text = await registry.metrics();
    return reply.type(registry.contentType).send(text);
  });
}
