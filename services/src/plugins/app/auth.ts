/**
 * Optional API-key authentication: with `apiKeys` configured, every request but the health
 * probes (/healthz, /readyz, /v2/health/live, /v2/health/ready) and the web page's static files
 * (/, /web/*) needs `Authorization: Bearer <key>` naming one of them, else 401
 * FER_ERR_UNAUTHORIZED with `WWW-Authenticate: Bearer` (set by the error handler in app.ts).
 * Keys are compared as SHA-256 digests with `timingSafeEqual`, against every configured key
 * without stopping at a match, so the time taken says nothing about the key. Unmatched routes
 * (404) need a key too: without one a client cannot tell which routes exist.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { UnauthorizedError } from '../../errors.js';

/** The health probes, and the web page with its assets (static files; the page asks for the key). */
export const OPEN_ROUTES: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/v2/health/live', '/v2/health/ready', '/', '/web/*']);

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** A checker for `Authorization` header values; true when it carries one of `keys`. */
export function bearerChecker(keys: readonly string[]): (authorization: string | undefined) => boolean {
  const digests = keys.map(digest);
  return (authorization) => {
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '');
    if (!m) return false;
    const given = digest(m[1]);
    let ok = false;
    for (const d of digests) ok = timingSafeEqual(given, d) || ok;
    return ok;
  };
}

async function authPlugin(app: FastifyInstance): Promise<void> {
  const keys = app.config.apiKeys;
  if (!keys) return;
  const check = bearerChecker(keys);
  app.addHook('onRequest', async (req) => {
    if (OPEN_ROUTES.has(req.routeOptions.url ?? '')) return;
    const header = req.headers.authorization;
    if (check(header)) return;
    throw new UnauthorizedError(header === undefined ? 'missing API key' : 'invalid API key');
  });
}

export default fp(authPlugin, { name: 'auth', fastify: '5.x' });
