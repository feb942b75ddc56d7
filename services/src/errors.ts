/**
 * Every error the service reports to a client, as a coded constructor (@fastify/error).
 * The error handler in app.ts turns each into `{ error: <code>, message }` with its status code.
 * Messages of 4xx errors name the problem and are shown as they are; 5xx messages are hidden.
 */
import createError from '@fastify/error';
import type { FastifyError } from 'fastify';

export const BadImageError = createError<'FER_ERR_BAD_IMAGE', 400, [string, string]>('FER_ERR_BAD_IMAGE', 'image %s could not be decoded: %s', 400);
export const UnsupportedTypeError = createError<'FER_ERR_UNSUPPORTED_TYPE', 415, [string]>('FER_ERR_UNSUPPORTED_TYPE', 'unsupported media type: %s', 415);
export const TooManyFilesError = createError<'FER_ERR_TOO_MANY_FILES', 413, [number]>('FER_ERR_TOO_MANY_FILES', 'too many files: at most %d per request', 413);
export const TooManyFramesError = createError<'FER_ERR_TOO_MANY_FRAMES', 413, [number]>('FER_ERR_TOO_MANY_FRAMES', 'too many frames: at most %d per sequence', 413);
export const TooManyRowsError = createError<'FER_ERR_TOO_MANY_ROWS', 413, [number]>('FER_ERR_TOO_MANY_ROWS', 'too many CSV rows: at most %d per evaluation', 413);
export const FileTooLargeError = createError<'FER_ERR_FILE_TOO_LARGE', 413, [number]>('FER_ERR_FILE_TOO_LARGE', 'a file or request body exceeds %d bytes', 413);
export const BodyTooLargeError = createError<'FER_ERR_BODY_TOO_LARGE', 413>('FER_ERR_BODY_TOO_LARGE', 'the request body is over the size limit of this route', 413);
/** An image whose decode cost, read from its header, is over a limit (pixels, longest side, aspect ratio). */
export const ImageTooLargeError = createError<'FER_ERR_IMAGE_TOO_LARGE', 413, [string, number, number, string]>('FER_ERR_IMAGE_TOO_LARGE', 'image %s is %dx%d pixels: %s', 413);
export const TooManyPixelsError = createError<'FER_ERR_TOO_MANY_PIXELS', 413, [number, number]>(
  'FER_ERR_TOO_MANY_PIXELS',
  'the images of this request have %d pixels in all, over the limit of %d per request (--max-request-pixels)',
  413,
);
export const HeadersTooLargeError = createError<'FER_ERR_HEADERS_TOO_LARGE', 431>('FER_ERR_HEADERS_TOO_LARGE', 'the request headers are too large', 431);
export const RequestTimeoutError = createError<'FER_ERR_REQUEST_TIMEOUT', 408>('FER_ERR_REQUEST_TIMEOUT', 'the request was not received in time', 408);
export const DeadlineError = createError<'FER_ERR_DEADLINE', 503, [number]>('FER_ERR_DEADLINE', 'the request was not answered within its deadline of %d ms', 503);
export const SecretInQueryError = createError<'FER_ERR_SECRET_IN_QUERY', 400, [string]>(
  'FER_ERR_SECRET_IN_QUERY',
  'query parameter %s looks like a credential: send API keys only in the Authorization header (the value was not logged)',
  400,
);
export const MissingFieldError = createError<'FER_ERR_MISSING_FIELD', 400, [string]>('FER_ERR_MISSING_FIELD', 'missing field: %s', 400);
export const BadRequestError = createError<'FER_ERR_BAD_REQUEST', 400, [string]>('FER_ERR_BAD_REQUEST', '%s', 400);
export const BadParameterError = createError<'FER_ERR_BAD_PARAMETER', 400, [string]>('FER_ERR_BAD_PARAMETER', 'invalid parameter: %s', 400);
export const BadCsvError = createError<'FER_ERR_BAD_CSV', 400, [string]>('FER_ERR_BAD_CSV', 'malformed CSV: %s', 400);
/** A path that is not under the data root, as written or once symlinks are resolved (one code, one status). */
export const PathEscapeError = createError<'FER_ERR_PATH_ESCAPE', 400, [string, string]>('FER_ERR_PATH_ESCAPE', 'path %s is not allowed: %s', 400);
export const FileNotFoundError = createError<'FER_ERR_FILE_NOT_FOUND', 404, [string]>('FER_ERR_FILE_NOT_FOUND', 'file %s not found under the data root', 404);
export const NoDataRootError = createError<'FER_ERR_NO_DATA_ROOT', 400>('FER_ERR_NO_DATA_ROOT', 'this server has no data root configured (--data-root)', 400);
export const NotFoundError = createError<'FER_ERR_NOT_FOUND', 404, [string, string]>('FER_ERR_NOT_FOUND', 'route %s %s not found', 404);
export const QueueFullError = createError<'FER_ERR_QUEUE_FULL', 503, [string, number]>('FER_ERR_QUEUE_FULL', 'the %s queue is full (%d waiting); retry later', 503);
export const UnauthorizedError = createError<'FER_ERR_UNAUTHORIZED', 401, [string]>('FER_ERR_UNAUTHORIZED', '%s: send Authorization: Bearer <API key>', 401);
export const NotReadyError = createError<'FER_ERR_NOT_READY', 503>('FER_ERR_NOT_READY', 'the model is not ready', 503);
export const UnknownModelError = createError<'FER_ERR_UNKNOWN_MODEL', 404, [string, string]>('FER_ERR_UNKNOWN_MODEL', "unknown model '%s'; this server serves '%s'", 404);
export const RemoteUnavailableError = createError<'FER_ERR_REMOTE_UNAVAILABLE', 503, [string]>('FER_ERR_REMOTE_UNAVAILABLE', 'the remote inference server is unavailable: %s', 503);
export const RemoteRejectedError = createError<'FER_ERR_REMOTE_REJECTED', 502, [number, string]>('FER_ERR_REMOTE_REJECTED', 'the remote inference server refused the request (%d): %s', 502);
export const InternalError = createError<'FER_ERR_INTERNAL', 500>('FER_ERR_INTERNAL', 'internal server error', 500);

/** What a client sees for a 5xx: the code, and a generic message per status. */
export const HIDDEN_5XX_MESSAGES: Readonly<Record<number, string>> = Object.freeze({
  500: 'internal server error',
  502: 'bad gateway',
  503: 'service unavailable: busy or not ready, retry later',
  504: 'gateway timeout',
});

/** Error body, the only shape of an error response. */
export interface ErrorBody {
  error: string;
  message: string;
}

/** Errors raised by fastify or its plugins, as the service's coded errors. */
function coded(err: FastifyError, contentType: string | undefined): FastifyError {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return new UnsupportedTypeError(`${contentType ?? 'no content type'}; see /openapi.json for what each route accepts`);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new BodyTooLargeError();
    case 'FST_ERR_VALIDATION':
      return new BadParameterError(err.message);
    default:
      if ((err.statusCode ?? 500) < 500) return new BadRequestError(err.message);
      return err;
  }
}

/**
 * What the client gets for any error: status and `{ error, message }`. Coded errors keep their
 * status and message; other 4xx become FER_ERR_BAD_REQUEST; every 5xx message is replaced by a
 * generic one (the error itself is logged, never sent).
 */
export function toClientError(err: FastifyError, contentType?: string): { status: number; body: ErrorBody } {
  const e = err.code?.startsWith('FER_ERR_') ? err : coded(err, contentType);
  const status = e.statusCode && e.statusCode >= 400 && e.statusCode < 600 ? e.statusCode : 500;
  const code = e.code?.startsWith('FER_ERR_') ? e.code : 'FER_ERR_INTERNAL';
  const message = status >= 500 ? (HIDDEN_5XX_MESSAGES[status] ?? HIDDEN_5XX_MESSAGES[500]) : e.message;
  return { status, body: { error: code, message } };
}
