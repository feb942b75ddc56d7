/**
 * The API document: @fastify/swagger builds it from the route schemas (schemas/document.ts), and
 * Swagger UI shows it at /docs (assets served locally). GET /openapi.json serves openapi.yaml
 * (--openapi-path), parsed once at start: the committed copy of the same document
 * (`npm run openapi` writes it; a test fails when it is not up to date).
 */
import { readFile } from 'node:fs/promises';
import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import YAML from 'yaml';
import type { FastifyInstance } from 'fastify';
import { documentBase, transform, transformObject } from '../../schemas/document.js';
import { openapiJsonSchema } from '../../schemas/index.js';

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

async function swaggerPlugin(app: FastifyInstance): Promise<void> {
  const document = await readOpenApi(app.config.openapiPath);
  await app.register(swagger, { openapi: documentBase(), transform, transformObject });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
  app.get('/openapi.json', { schema: openapiJsonSchema }, async () => document);
}

export default fp(swaggerPlugin, { name: 'swagger', fastify: '5.x' });
