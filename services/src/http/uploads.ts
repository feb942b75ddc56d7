/**
 * Reading uploads from a request: multipart parts (files buffered, text fields collected) or a
 * raw body, with the configured limits, and every multipart failure turned into a coded error.
 */
import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { BadParameterError, BadRequestError, FileTooLargeError, MissingFieldError, TooManyFilesError, UnsupportedTypeError } from '../errors.js';

export interface Upload {
  field: string;
  filename: string;
  mimetype: string;
  data: Buffer;
}

export interface MultipartLimits {
  maxFiles: number;
  maxFileBytes: number;
  /** Bytes of one text field. */
  maxFieldBytes?: number;
  /** The error to throw when there are more than `maxFiles` files. */
  tooMany?: () => Error;
}

export interface MultipartContent {
  files: Upload[];
  fields: Record<string, string>;
}

const MAX_FIELDS = 64;

export async function readMultipart(req: FastifyRequest, limits: MultipartLimits): Promise<MultipartContent> {
  const files: Upload[] = [];
  const fields: Record<string, string> = {};
  const maxFieldBytes = limits.maxFieldBytes ?? 1024 * 1024;
  try {
    const parts = req.parts({
      limits: { files: limits.maxFiles, fileSize: limits.maxFileBytes, fields: MAX_FIELDS, fieldSize: maxFieldBytes, parts: limits.maxFiles + MAX_FIELDS },
    });
    for await (const part of parts) {
      if (part.type === 'file') {
        files.push({ field: part.fieldname, filename: part.filename, mimetype: part.mimetype, data: await part.toBuffer() });
      } else {
        if (part.valueTruncated) throw new FileTooLargeError(maxFieldBytes);
        fields[part.fieldname] = typeof part.value === 'string' ? part.value : String(part.value);
      }
    }
  } catch (err) {
    throw multipartError(err, limits);
  }
  return { files, fields };
}

/** Multipart and busboy failures as coded client errors; coded errors pass through. */
function multipartError(err: unknown, limits: MultipartLimits): unknown {
  const e = err as { code?: string; message?: string; statusCode?: number };
  if (typeof e?.code === 'string' && e.code.startsWith('FER_ERR_')) return err;
  switch (e?.code) {
    case 'FST_FILES_LIMIT':
      return limits.tooMany ? limits.tooMany() : new TooManyFilesError(limits.maxFiles);
    case 'FST_REQ_FILE_TOO_LARGE':
      return new FileTooLargeError(limits.maxFileBytes);
    case 'FST_PARTS_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return new BadRequestError(`too many multipart fields: at most ${MAX_FIELDS} text fields`);
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return new UnsupportedTypeError('the request is not multipart/form-data');
    case 'FST_PROTO_VIOLATION':
      return new BadRequestError('a multipart field name is not allowed');
    default:
      // busboy's parse errors (no boundary, truncated body, bad part header) are the client's.
      return new BadRequestError(`malformed multipart body: ${e?.message ?? 'unreadable'}`);
  }
}

/** The raw `image/*` (or application/octet-stream) body as one upload, when there is one. */
export function rawImageBody(req: FastifyRequest): Upload | undefined {
  if (!Buffer.isBuffer(req.body)) return undefined;
  return { field: 'body', filename: 'body', mimetype: String(req.headers['content-type'] ?? ''), data: req.body };
}

/**
 * The images of a /predict-style request: every file part of a multipart body, or the raw image
 * body. Anything else is refused.
 */
export async function readImages(req: FastifyRequest, limits: MultipartLimits): Promise<Upload[]> {
  if (req.isMultipart()) {
    const { files } = await readMultipart(req, limits);
    if (files.length === 0) throw new MissingFieldError('image: the multipart body has no file part (send one or more images as files)');
    return files;
  }
  const raw = rawImageBody(req);
  if (raw) return [raw];
  if (req.body === undefined || req.body === null) throw new MissingFieldError('image: the request has no body (send multipart/form-data files or one image/* body)');
  throw new UnsupportedTypeError(`${req.headers['content-type'] ?? 'no content type'}; send multipart/form-data or an image/jpeg, image/png or image/webp body`);
}

/** Display name of an upload in messages. */
export function uploadName(u: Upload, index: number): string {
  return u.filename ? `'${u.filename}'` : `#${index + 1}`;
}

/** Parses a query string with zod; a problem is FER_ERR_BAD_PARAMETER naming the parameter. */
export function parseQuery<T extends z.ZodType>(schema: T, query: unknown): z.infer<T> {
  const r = schema.safeParse(query ?? {});
  if (!r.success) {
    const i = r.error.issues[0];
    throw new BadParameterError(`${i.path.join('.') || 'query'}: ${i.message}`);
  }
  return r.data;
}
