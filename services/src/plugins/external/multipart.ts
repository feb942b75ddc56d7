/**
 * Request bodies: multipart/form-data (@fastify/multipart; parts read on demand by the routes,
 * with limits, http/uploads.ts), raw `image/*` or application/octet-stream bodies as Buffers,
 * `text/csv` as a string, and JSON (fastify's own parser). Other content types are refused by
 * fastify with 415. The API document describes these bodies from each route's `x-body`.
 */
import fp from 'fastify-plugin';
import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';

async function bodyPlugin(app: FastifyInstance): Promise<void> {
  const { config } = app;
  await app.register(multipart, {
    throwFileSizeLimit: true,
    limits: { fileSize: config.maxFileBytes, files: config.maxFiles, fields: 64, parts: config.maxFiles + 64 },
  });
  app.addContentTypeParser(/^(image\/[\w.+-]+|application\/octet-stream)$/i, { parseAs: 'buffer', bodyLimit: config.maxFileBytes }, (_req, body, done) => done(null, body));
  app.addContentTypeParser(/^text\/(csv|plain)$/i, { parseAs: 'string', bodyLimit: config.maxCsvBytes }, (_req, body, done) => done(null, body));
}

export default fp(bodyPlugin, { name: 'body', fastify: '5.x' });
