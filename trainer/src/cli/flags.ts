import { parseArgs, type ParseArgsConfig } from 'node:util';
import { z } from 'zod';
import { DATA_FORMATS, FER2013_USAGES } from '@amft/shared/dataset';

type Options = NonNullable<ParseArgsConfig['options']>;

const camel = (s: string) => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * Runs `fn` (zod parsing of camelCase keys) and rethrows a ZodError with each issue's path as the
 * flag name (`batchSize` -> `batch-size`), so the `amft` dispatcher's `--<path>` message names
 * the flag. `prefix` is put before the flag (`val-`).
 */
export function withFlagNames<T>(fn: () => T, prefix = ''): T {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof z.ZodError)) throw err;
    throw new z.ZodError(err.issues.map((i) => ({ ...i, path: i.path.length ? [`${prefix}${kebab(String(i.path[0]))}`, ...i.path.slice(1)] : i.path })));
  }
}

/** parseArgs (strict) then `schema` on the values under camelCase keys. */
export function parseFlags<S extends z.ZodType>(argv: string[], options: Options, schema: S): z.infer<S> {
  const { values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false });
  const camelValues = Object.fromEntries(Object.entries(values).map(([k, v]) => [camel(k), v]));
  return withFlagNames(() => schema.parse(camelValues));
}

export const optionalNumber = z.coerce.number().optional();
export const optionalInt = z.coerce.number().int().optional();
/** `32,64,128` -> [32, 64, 128] */
export const optionalIntList = z
  .string()
  .regex(/^\d+(,\d+)*$/, 'expected a comma-separated list of whole numbers, e.g. 32,64,128,192')
  .transform((v) => v.split(',').map(Number))
  .optional();

/** parseArgs options of one dataset's flags (`--data`, or `--val-data` with prefix `val-`). */
export function dataOptions(prefix = ''): Options {
  return {
    [`${prefix}data`]: { type: 'string' },
    [`${prefix}format`]: { type: 'string' },
    [`${prefix}root`]: { type: 'string' },
    [`${prefix}usage`]: { type: 'string' },
    [`${prefix}max-samples`]: { type: 'string' },
  };
}

/** zod fields for dataOptions('') under camelCase keys. */
export const DataFlags = {
  data: z.string().min(1).optional(),
  format: z.enum(DATA_FORMATS).optional(),
  root: z.string().min(1).optional(),
  usage: z.enum(FER2013_USAGES).optional(),
  maxSamples: z.coerce.number().int().positive().optional(),
};

/** Flags both commands share besides the data flags. */
export const COMMON_OPTIONS: Options = {
  'on-bad-row': { type: 'string' },
  backend: { type: 'string' },
  'cache-dir': { type: 'string' },
  'store-size': { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

export const DATA_USAGE = `data:
  --data <path>             manifest CSV (path,label), FER2013 CSV (emotion,pixels,Usage) or image folder (root/<class>/*.jpg)
  --format <f>              manifest | fer2013-csv | folder (detected when omitted)
  --root <dir>              base directory of a manifest's relative paths (default: the manifest's directory)
  --usage <u>               FER2013 CSV: Training | PublicTest | PrivateTest
  --max-samples <n>         a fixed subset of n samples (keeps the class mix), for quick runs
  --on-bad-row <m>          fail (default): stop before training if any row is bad; skip: leave bad rows out
  --cache-dir <dir>         keep decoded datasets here and reuse them
  --store-size <px>         side length images are kept at in memory (default: the source size, at most the model's)
  --backend <b>             tensorflow-gpu | tensorflow | wasm | cpu (default: the best available)`;
