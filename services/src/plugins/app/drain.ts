/**
 * Draining, decorated as `app.drain`: from `begin()` (SIGTERM in server.ts, or fastify's
 * preClose) /readyz says 503, new requests other than the open routes (health probes, the page)
 * are refused with 503 FER_ERR_NOT_READY, and each response closes its connection, so
 * keep-alive sockets do not hold the close up until their idle timeout.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { NotReadyError } from '../../errors.js';
import { OPEN_ROUTES } from './auth.js';

export interface Drain {
  readonly draining: boolean;
  begin(): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    drain: Drain;
  }
}

async function drainPlugin(app: FastifyInstance): Promise<void> {
  let draining = false;
  app.decorate('drain', {
    get draining() {
      return draining;
    },
    begin() {
      draining = true;
    },
  } satisfies Drain);
  app.addHook('onRequest', async (req) => {
    if (draining && !OPEN_ROUTES.has(req.routeOptions.url ?? '')) throw new NotReadyError();
  });
  app.addHook('onSend', async (_req, reply) => {
    if (draining) reply.header('connection', 'close');
  });
  app.addHook('preClose', async () => {
    draining = true;
  });
}

export default fp(drainPlugin, { name: 'drain', fastify: '5.x' });
