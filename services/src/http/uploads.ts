/**
 * Reading uploads from a request: multipart parts (files buffered, text fields collected) or a
 * raw body, with the configured limits, and every multipart failure turned into a coded error.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { BadRequestError, BodyTooLargeError, FileTooLargeError, MissingFieldError, TooManyFilesError, TooManyFramesError, UnsupportedTypeError } from '../errors.js';

export interface Upload {
  field: string;
  filename: string;
  mimetype: string;
  data: Buffer;
}

export interface MultipartLimits {
  maxFiles: number;
  /** Bytes of one file part; a part over it is refused (413) as soon as it passes the limit. */
  maxFileBytes: number;
  /** Other per-part limits for the file parts of some fields (e.g. `{ csv: maxCsvBytes }`). */
  maxBytesOf?: Readonly<Record<string, number>>;
  /** Bytes of one text field. */
  maxFieldBytes?: number;
  /** Bytes of the whole request body: refused from its Content-Length, or once that many have come. */
  maxRequestBytes: number;
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
  const partLimit = (field: string) => limits.maxBytesOf?.[field] ?? limits.maxFileBytes;
  const largestPart = Math.max(limits.maxFileBytes, ...Object.values(limits.maxBytesOf ?? {}));
  if (Number(req.headers['content-length']) > limits.maxRequestBytes) throw new BodyTooLargeError();
  const parts = req.parts({
    limits: { files: limits.maxFiles, fileSize: largestPart + 1, fields: MAX_FIELDS, fieldSize: maxFieldBytes, parts: limits.maxFiles + MAX_FIELDS },
  });
  const it = parts[Symbol.asyncIterator]();
  // The first next() pipes the request into the parser; the watch's 'data' listener comes after
  // (before, it would start the flow with nobody reading).
  let pending = it.next();
  const watch = new UploadWatch(req.raw, limits.maxRequestBytes, req.work);
  try {
    for (;;) {
      const next = await watch.next(pending);
      if (next.done) break;
      const part = next.value;
      if (part.type === 'file') {
        const data = await readPart(part.file, partLimit(part.fieldname), watch);
        files.push({ field: part.fieldname, filename: part.filename, mimetype: part.mimetype, data });
      } else {
        if (part.valueTruncated) throw new FileTooLargeError(maxFieldBytes);
        fields[part.fieldname] = typeof part.value === 'string' ? part.value : String(part.value);
      }
      pending = it.next();
    }
  } catch (err) {
    pending.catch(() => undefined);
    throw multipartError(err, limits);
  } finally {
    watch.stop();
  }
  return { files, fields };
}

/** A file part's bytes; FER_ERR_FILE_TOO_LARGE as soon as it passes `limit` (the rest is not read). */
async function readPart(file: AsyncIterable<Buffer>, limit: number, watch: UploadWatch): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of file) {
    watch.check();
    n += chunk.length;
    if (n > limit) throw new FileTooLargeError(limit);
    chunks.push(chunk);
  }
  watch.check();
  return Buffer.concat(chunks, n);
}

/**
 * What can end the reading of a multipart body early: the body passing its size limit, the
 * request being cancelled (req.work), or the parser holding a part back while nothing comes:
 * busboy skips a part without Content-Disposition and then neither finishes nor reads on (the
 * request ends, or stays paused by the pipe), and without this the request would wait forever.
 */
class UploadWatch {
  private bytes = 0;
  private lastData = performance.now();
  private ended: boolean;
  private error: unknown;
  private readonly failers = new Set<(err: unknown) => void>();
  private readonly dataListener = (chunk: Buffer) => {
    this.bytes += chunk.length;
    this.lastData = performance.now();
    if (this.bytes > this.maxBytes) this.fail(new BodyTooLargeError());
  };
  private readonly endListener = () => (this.ended = true);
  private readonly abortListener = () => this.fail(this.signal?.reason);

  constructor(
    private readonly raw: IncomingMessage,
    private readonly maxBytes: number,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.ended = raw.readableEnded;
    raw.on('data', this.dataListener);
    raw.once('end', this.endListener);
    signal?.addEventListener('abort', this.abortListener, { once: true });
    if (signal?.aborted) this.fail(signal.reason);
  }

  private fail(err: unknown): void {
    if (this.error !== undefined) return;
    this.error = err;
    for (const f of this.failers) f(err);
  }

  check(): void {
    if (this.error !== undefined) throw this.error;
  }

  /** `p`, unless the watch fails first, or the parser holds `p` back with the body ended or paused for STALL_MS. */
  async next<T>(p: Promise<T>): Promise<T> {
    this.check();
    let fail!: (err: unknown) => void;
    const failed = new Promise<never>((_, reject) => (fail = reject));
    failed.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const stalled = () => {
      const idle = performance.now() - this.lastData;
      if ((this.ended || this.raw.readableFlowing === false) && idle >= STALL_MS) fail(new BadRequestError(STALLED));
      else timer = setTimeout(stalled, STALL_MS);
    };
    timer = setTimeout(stalled, STALL_MS);
    this.failers.add(fail);
    try {
      return await Promise.race([p, failed]);
    } finally {
      clearTimeout(timer);
      this.failers.delete(fail);
    }
  }

  stop(): void {
    this.raw.off('data', this.dataListener);
    this.raw.off('end', this.endListener);
    this.signal?.removeEventListener('abort', this.abortListener);
  }
}

/** How long the parser may hold a part back once the whole body has arrived. */
const STALL_MS = 250;
const STALLED = 'malformed multipart body: a part could not be read (each part needs a Content-Disposition: form-data; name="..." header)';

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

/** Multipart slack beyond the files of a request: part headers, boundaries, text fields. */
const MULTIPART_SLACK = 1024 * 1024;

/** The multipart limits of each route, from the configuration (one place; see services/README.md). */
export function routeUploadLimits(config: Config): Record<'predict' | 'sequence' | 'evaluate', MultipartLimits> {
  return {
    predict: { maxFiles: config.maxFiles, maxFileBytes: config.maxFileBytes, maxRequestBytes: config.maxFiles * config.maxFileBytes + MULTIPART_SLACK },
    sequence: { maxFiles: config.maxFrames, maxFileBytes: config.maxFileBytes, maxRequestBytes: config.maxSequenceBytes, tooMany: () => new TooManyFramesError(config.maxFrames) },
    evaluate: {
      maxFiles: config.maxEvalFiles + 1,
      maxFileBytes: config.maxFileBytes,
      maxBytesOf: { csv: config.maxCsvBytes },
      maxFieldBytes: config.maxCsvBytes,
      maxRequestBytes: config.maxEvalBytes,
      tooMany: () => new TooManyFilesError(config.maxEvalFiles),
    },
  };
}

/** Display name of an upload in messages. */
export function uploadName(u: Upload, index: number): string {
  return u.filename ? `'${u.filename}'` : `#${index + 1}`;
}

