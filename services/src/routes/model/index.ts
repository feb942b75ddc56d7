/**
 * GET /v1/model: the loaded model's metadata.json (as the shared schema parsed it) and how it
 * runs here. Response: schemas/model.ts.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { modelSchema } from '../../schemas/index.js';

export default async function modelRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get('/v1/model', { schema: modelSchema }, async () => {
    const { metadata, runtime } = app.fer.describe();
    return { ...metadata, runtime };
  });
}
