/**
 * The web page for people: `GET /` (services/web/public/index.html) and its assets under
 * `/web/` (the HTML and CSS in services/web/public, the page's scripts compiled from
 * services/web/src into services/web/dist by `tsc -b`), with @fastify/static. Everything is served from here: the
 * page's Content-Security-Policy allows no other origin. The page and its assets carry no
 * secrets and are open when API keys are on (the page sends the key the user types with its
 * API calls); see OPEN_ROUTES in plugins/app/auth.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import fp from 'fastify-plugin';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { webPageSchema } from '../../schemas/index.js';

/** services/web, from services/src/plugins/external or services/dist/plugins/external. */
export const WEB_DIR = fileURLToPath(new URL('../../../web/', import.meta.url));
export const WEB_ASSETS_PREFIX = '/web/';

/** Same origin only; camera frames and photos are drawn from blob: URLs and media streams. */
export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "media-src 'self' blob: mediastream:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

async function webPlugin(app: FastifyInstance): Promise<void> {
  const publicDir = join(WEB_DIR, 'public');
  const scriptsDir = join(WEB_DIR, 'dist');
  const page = readFileSync(join(publicDir, 'index.html'));
  if (!existsSync(join(scriptsDir, 'main.js'))) app.log.warn({ dir: scriptsDir }, 'the web page scripts are not built (npm run build): GET / will not work');

  await app.register(fastifyStatic, {
    root: [publicDir, scriptsDir],
    prefix: WEB_ASSETS_PREFIX,
    decorateReply: false,
    index: false,
    // Type declarations are build by-products, not assets.
    allowedPath: (path) => !path.endsWith('.d.ts') && !path.endsWith('.tsbuildinfo'),
  });
  app.get('/', { schema: webPageSchema }, async (_req, reply) =>
    reply.type('text/html; charset=utf-8').header('content-security-policy', PAGE_CSP).header('x-content-type-options', 'nosniff').header('cache-control', 'no-cache').send(page),
  );
}

export default fp(webPlugin, { name: 'web', fastify: '5.x' });
