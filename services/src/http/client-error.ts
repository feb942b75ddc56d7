/**
 * Answers for requests that fail before fastify sees them (Node's HTTP parser: headers over the
 * size limit, malformed requests, a request not received in time), in the service's own
 * `{ error, message }` form rather than Node's or fastify's. The answer is written with
 * `socket.end()`, so it reaches a client that is still sending; the socket is destroyed a moment
 * later if the client keeps it open.
 */
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { BadRequestError, HeadersTooLargeError, RequestTimeoutError, toClientError } from '../errors.js';

const LINGER_MS = 2000;

export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const coded =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? new HeadersTooLargeError()
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new RequestTimeoutError()
        : new BadRequestError(`malformed HTTP request (${err.code ?? 'unparsable'})`);
  const { status, body } = toClientError(coded);
  const json = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(json)}\r\nconnection: close\r\n\r\n${json}`,
  );
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}

/**
 * For a request refused before its body was read: once the answer is out, Node closes the
 * connection (`connection: close`); closing a socket with unread data sends a reset, which can
 * destroy the answer before a client that is still sending reads it. So the close lingers: the
 * answer, then a half-close, the rest of the body read and dropped for a moment, then the end.
 */
export function lingerAfterAnswer(req: IncomingMessage): void {
  const socket = req.socket as Socket & { destroySoon?: () => void };
  socket.destroySoon = () => {
    socket.end();
    req.resume();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  };
}
