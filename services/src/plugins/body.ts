/**
 * Request bodies: multipart/form-data (parts read on demand by the routes, with limits), raw
 * `image/*` or application/octet-stream bodies as Buffers, `text/csv` as a string, and JSON
 * (fastify's own parser). Other content types are refused by fastify with 415.
 */
import fp from 'fastify-plugin';
import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';

async function bodyPlugin(app: FastifyInstance, opts: { config: Config }): Promise<void> {
  const { config } = opts;
  await app.register(multipart, {
    throwFileSizeLimit: true,
    limits: { fileSize: config.maxFileBytes, files: config.maxFiles, fields: 64, parts: config.maxFiles + 64 },
  });
  app.addContentTypeParser(/^(image\/[\w.+-]+|application\/octet-stream)$/i, { parseAs: 'buffer', bodyLimit: config.maxFileBytes }, (_req, body, done) => done(null, body));
  app.addContentTypeParser(/^text\/(csv|plain)$/i, { parseAs: 'string', bodyLimit: config.maxCsvBytes }, (_req, body, done) => done(null, body));
}

export default fp(bodyPlugin, { name: 'body', fastify: '5.x' });
