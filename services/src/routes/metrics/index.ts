/**
 * GET /metrics: the Prometheus text exposition of app.metrics (plugins/metrics.ts).
 */
import type { FastifyInstance } from 'fastify';

export default async function metricsRoutes(app: FastifyInstance): Promise<void> {
  app.get('/metrics', async (_req, reply) => {
    const { registry } = app.metrics;
    const text = await registry.metrics();
    return reply.type(registry.contentType).send(text);
  });
}
