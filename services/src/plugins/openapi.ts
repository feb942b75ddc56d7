/**
 * The API description: openapi.yaml at the repository root, parsed once at start, served as
 * /openapi.json and browsable at /docs (Swagger UI, assets served locally).
 */
import { readFile } from 'node:fs/promises';
import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import YAML from 'yaml';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';

export async function readOpenApi(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the OpenAPI document ${path}: ${(err as Error).message}`);
  }
  const doc = YAML.parse(text) as unknown;
  if (!doc || typeof doc !== 'object' || !String((doc as { openapi?: unknown }).openapi ?? '').startsWith('3.')) {
    throw new Error(`${path} is not an OpenAPI 3 document`);
  }
  return doc as Record<string, unknown>;
}

async function openapiPlugin(app: FastifyInstance, opts: { config: Config }): Promise<void> {
  const document = await readOpenApi(opts.config.openapiPath);
  await app.register(swagger, { mode: 'static', specification: { document: document as never } });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
  app.get('/openapi.json', { schema: { hide: true } }, async () => document);
}

export default fp(openapiPlugin, { name: 'openapi', fastify: '5.x' });
