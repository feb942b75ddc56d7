/**
 * The service's configuration: one zod schema over command-line flags and `FER_*` environment
 * variables (a flag wins over its variable), validated once at start. Nothing else in the service
 * reads process.env.
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { flagHelp, kebab } from '@amft/shared/flags';
import { DEFAULT_FACE_OPTIONS } from './pipeline/detect/plan.js';

export const DEFAULT_MODEL_DIR = fileURLToPath(new URL('../../models/default', import.meta.url));
export const DEFAULT_OPENAPI_PATH = fileURLToPath(new URL('../../openapi.yaml', import.meta.url));

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);
const bool = z.union([z.boolean(), z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')]);

const MiB = 1024 * 1024;

/** Comma-separated API keys (flag or variable) as a list; a list passes as it is. */
const apiKeyList = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(',').map((k) => k.trim()).filter((k) => k !== '') : v),
  z.array(z.string().min(16, 'an API key has at least 16 characters').regex(/^[\x21-\x7e]+$/, 'an API key is printable ASCII without spaces')).min(1, 'no API key given'),
);

/** Preprocessing threads by default: one per core left after the main thread, 1 to 4. */
export const defaultWorkers = () => Math.max(1, Math.min(4, availableParallelism() - 1));

export const ConfigSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1').describe('Address to listen on.'),
    port: int(0, 65535).default(8080).describe('Port to listen on (0: any free port).'),
    modelDir: z.string().min(1).default(DEFAULT_MODEL_DIR).describe('Directory of the exported model (model.onnx + metadata.json).'),
    detector: z.enum(['front', 'back']).default('front').describe('BlazeFace variant of `--faces near` (one pass over the whole image): `front` (128x128, short range) or `back` (256x256, smaller faces).'),
    detectorModel: z.string().min(1).optional().describe('Path of a BlazeFace ONNX file used in place of the bundled one for `detector`.'),
    faces: z.enum(['near', 'all']).default(DEFAULT_FACE_OPTIONS.strategy).describe('Detection strategy of requests without `?faces=`: `all` (every face down to --min-face-size) or `near` (one short-range pass; see services/README.md).'),
    minFaceSize: int(16, 100_000).default(DEFAULT_FACE_OPTIONS.minFaceSize).describe('Smallest face (box width, pixels) that `faces=all` finds, for requests without `?minFaceSize=`.'),
    inferenceUrl: z.url({ protocol: /^https?$/ }).optional().describe('A v2 (Open Inference Protocol) server that runs the model instead of this process: http://host:port.'),
    inferenceTimeoutMs: int(1).default(10_000).describe('Remote inference: ms one attempt may take.'),
    inferenceRetries: int(0, 10).default(2).describe('Remote inference: retries (with backoff) after a failed attempt.'),
    device: z.string().min(1).default('cpu').describe('Execution device, a name from the table in inference/session.ts (cpu, cuda).'),
    threads: int(0, 256).default(0).describe('onnxruntime intra-op threads of the expression model; 0 lets onnxruntime choose.'),
    workers: int(0, 64).default(defaultWorkers).describe('Worker threads that decode, detect and crop (each with its own detector); 0: on the main thread. By default one per core beyond the first, 1 to 4.'),
    apiKeys: apiKeyList
      .optional()
      .describe('API keys, comma-separated. When set, every route but /healthz and /readyz needs `Authorization: Bearer <key>`; unset, the service is open. Prefer the variable (process lists show flags).'),
    dataRoot: z.string().min(1).optional().describe('Directory that /evaluate manifests may read from; none when unset.'),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level.'),
    openapiPath: z.string().min(1).default(DEFAULT_OPENAPI_PATH).describe('The API document served at /openapi.json.'),
    maxBodyBytes: int(1).default(1 * MiB).describe('Bytes of a JSON request body (routes with their own limits below keep theirs).'),
    maxFiles: int(1, 10_000).default(16).describe('Files per /predict request.'),
    maxFileBytes: int(1).default(10 * MiB).describe('Bytes per image file or raw image body.'),
    maxPixels: int(1).default(25_000_000).describe('Decoded pixels per image (width x height), from the header before decoding: guards against decompression bombs.'),
    maxSide: int(1).default(10_000).describe('Longest side of an image, in pixels, from the header.'),
    maxAspect: z.coerce.number().min(1).default(10).describe('Longest side / shortest side of an image, from the header (a 1 x 24,000,000 strip costs seconds to decode).'),
    maxRequestPixels: int(1).default(64_000_000).describe('Decoded pixels of all the images of one request (one /evaluate chunk); more is refused with 413.'),
    maxInflightPixels: int(1).default(64_000_000).describe("Decoded pixels of the images being decoded at once, over all requests: a request whose images do not fit waits (until its deadline) for others to finish. Bounds the memory that decoding takes: 3 bytes per pixel, plus the codec's own buffers."),
    maxFrames: int(1, 10_000).default(64).describe('Frames per /predict-sequence request.'),
    maxSequenceBytes: int(1).default(64 * MiB).describe('Bytes of a /predict-sequence request (multipart frames or a JSON body of base64 frames).'),
    maxEvalBytes: int(1).default(256 * MiB).describe('Bytes of a multipart /evaluate request (CSV and images together).'),
    maxEvalRows: int(1).default(20_000).describe('Rows per /evaluate CSV.'),
    maxEvalFiles: int(1).default(5_000).describe('Image files uploaded with one /evaluate CSV.'),
    maxCsvBytes: int(1).default(64 * MiB).describe('Bytes of an /evaluate CSV.'),
    maxBatch: int(1, 4096).default(32).describe('Dynamic batcher: faces per inference batch.'),
    // With 0 the faces that arrive during a run form the next batch: measured on the lite model,
    // as large batches at 32 clients as with 2 ms, and half the latency at 1 client.
    maxQueueDelayMs: z.coerce.number().min(0).max(10_000).default(0).describe('Dynamic batcher: how long the first queued face waits for others, in ms; 0: a batch leaves as soon as the model is free.'),
    maxQueue: int(1).default(2048).describe('Dynamic batcher: faces waiting at most; more are refused with 503.'),
    maxPreprocessQueue: int(1).default(512).describe('Images being decoded, detected and cropped at once, over all requests; a request admitted whole.'),
    maxWaitingImages: int(0).default(1024).describe('Images of the requests waiting their turn (whole) to be admitted; beyond it a request is refused at once with 503.'),
    minFaceScore: z.coerce.number().min(0).max(1).default(0.5).describe('Minimum BlazeFace score of a face.'),
    emaAlpha: z.coerce.number().gt(0).max(1).default(0.5).describe('Weight of the newest frame in the exponential moving average of /predict-sequence.'),
    warmup: bool.default(true).describe('Warm up on start (one inference per batch size 1, 2, 4, ..., max-batch) before /readyz reports ready.'),
    shutdownTimeoutMs: int(0).default(10_000).describe('How long a graceful close may take before the process exits anyway (non-zero), in ms.'),
    drainDelayMs: int(0).default(0).describe('On SIGTERM, how long to keep accepting (with /readyz 503 and other routes 503) before the listener closes, in ms, so a load balancer sees the drain; part of --shutdown-timeout-ms.'),
    requestTimeoutMs: int(0).default(120_000).describe("Deadline of a request, from its arrival to its answer, in ms (0: none): past it the client gets 503 FER_ERR_DEADLINE and the request's remaining work is cancelled. Also the time a client has to send the whole request."),
  })
  .strict();

export type Config = Readonly<z.infer<typeof ConfigSchema>>;
export type ConfigInput = z.input<typeof ConfigSchema>;

const KEYS = Object.keys(ConfigSchema.shape) as (keyof Config)[];
const envName = (k: string) => `FER_${k.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The flags and variables with their descriptions and defaults, for --help: all from ConfigSchema. */
export function usage(): string {
  const lines = flagHelp(ConfigSchema.shape, { aside: envName });
  return ['Usage: node services/dist/server.js [options]', '', 'Options (flag, then environment variable; a flag wins over its variable):', ...lines, '  --help'].join('\n');
}

/**
 * Validates flags + environment once. `argv` are the arguments after the script name; `env`
 * defaults to the process environment (the only place the service reads it).
 * Throws ConfigError with every problem listed.
 */
export function loadConfig(argv: readonly string[] = process.argv.slice(2), env: Readonly<Record<string, string | undefined>> = process.env, overrides: Partial<ConfigInput> = {}): Config {
  let flags: Record<string, string | boolean | undefined>;
  try {
    flags = parseArgs({
      args: [...argv],
      // every flag takes a value, as its variable does
      options: Object.fromEntries(KEYS.map((k) => [kebab(k), { type: 'string' as const }])),
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}\n\n${usage()}`);
  }
  const raw: Record<string, unknown> = {};
  for (const k of KEYS) {
    const v = flags[kebab(k)] ?? env[envName(k)];
    if (v !== undefined && v !== '') raw[k] = v;
  }
  Object.assign(raw, overrides);
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const key = String(i.path[0] ?? '');
      return `  --${kebab(key)} / ${envName(key)}: ${i.message}`;
    });
    throw new ConfigError(`invalid configuration:\n${problems.join('\n')}`);
  }
  return Object.freeze(parsed.data);
}

const SECRET = /secret|token|password|passwd|credential|api[-_]?key|private/i;

/** The configuration as printed at start: secret-looking values redacted, paths as given. */
export function redactConfig(config: Config): Record<string, unknown> {
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, SECRET.test(k) && v !== undefined ? '[redacted]' : v]));
}

