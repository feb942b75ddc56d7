/**
 * Every request gets a deadline and a cancellation signal, `req.work`. The signal is aborted
 * when the client goes away before its answer (the response closes unfinished) or when the
 * deadline (--request-timeout-ms, from arrival to answer) passes; at the deadline the client
 * gets 503 FER_ERR_DEADLINE, on a closing connection, whatever the handler is waiting for. The
 * stages that hold work for a request (admission, the preprocessing jobs not started, the
 * batcher, /evaluate's chunks, the multipart reader) stop when it aborts.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { DeadlineError } from '../../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Aborted when the client has gone away or the deadline has passed; its reason says which. */
    work: AbortSignal;
  }
}

export class ClientGoneError extends Error {
  override name = 'ClientGoneError';
  constructor() {
    super('the client closed the connection before the answer');
  }
}

async function deadlinePlugin(app: FastifyInstance): Promise<void> {
  const ms = app.config.requestTimeoutMs;
  app.decorateRequest('work', null as unknown as AbortSignal);
  app.addHook('onRequest', async (req, reply) => {
    const ac = new AbortController();
    req.work = ac.signal;
    const res = reply.raw;
    const timer =
      ms > 0
        ? setTimeout(() => {
            const err = new DeadlineError(ms);
            ac.abort(err);
            if (reply.sent || res.headersSent) return;
            reply.header('connection', 'close');
            void reply.send(err);
          }, ms)
        : undefined;
    res.once('close', () => {
      clearTimeout(timer);
      if (!res.writableFinished && !ac.signal.aborted) ac.abort(new ClientGoneError());
    });
  });
}

export default fp(deadlinePlugin, { name: 'deadline', fastify: '5.x' });
