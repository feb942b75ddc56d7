/** Command-line flags -> parseArgs options -> values validated by the zod schema they came from. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { z } from 'zod';
import { flagInfos, kebab } from './field.js';

export type FlagOptions = NonNullable<ParseArgsConfig['options']>;

/** parseArgs options of a flags schema: a switch per boolean field, a string per other field (repeatable for an array). */
export function flagOptions(shape: Readonly<Record<string, z.ZodType>>): FlagOptions {
  return Object.fromEntries(
    flagInfos(shape).map((f) => [f.flag, f.kind === 'boolean' ? { type: 'boolean' as const } : { type: 'string' as const, ...(f.kind === 'list' ? { multiple: true } : {}) }]),
  );
}

/**
 * Runs `fn` (zod parsing of camelCase keys) and rethrows a ZodError with each issue's path as the
 * flag name (`batchSize` -> `batch-size`), so a message names the flag as it is typed. `prefix`
 * is put before the flag (`val-`).
 */
export function withFlagNames<T>(fn: () => T, prefix = ''): T {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof z.ZodError)) throw err;
    throw new z.ZodError(err.issues.map((i) => ({ ...i, path: i.path.length ? [`${prefix}${kebab(String(i.path[0]))}`, ...i.path.slice(1)] : i.path })));
  }
}

export interface ParsedFlags<S extends z.ZodObject> {
  values: z.output<S>;
  /** schema keys given on the command line (the others took their defaults) */
  given: ReadonlySet<string>;
  positionals: string[];
  /** `--help` / `-h` was given */
  help: boolean;
}

/**
 * Parses `argv` with the flags of `schema` (strict: an unknown flag throws parseArgs'
 * ERR_PARSE_ARGS_UNKNOWN_OPTION naming it), turns the values of number fields into numbers,
 * and validates with the schema; a ZodError's paths are flag names. `--help`/`-h` is always known.
 */
export function parseFlags<S extends z.ZodObject>(argv: readonly string[], schema: S, opts: { positionals?: boolean } = {}): ParsedFlags<S> {
  const infos = flagInfos(schema.shape);
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: { ...flagOptions(schema.shape), help: { type: 'boolean', short: 'h' } },
    strict: true,
    allowPositionals: opts.positionals ?? false,
  });
  const given = values as Record<string, string | boolean | (string | boolean)[] | undefined>;
  const raw: Record<string, unknown> = {};
  for (const f of infos) {
    const v = given[f.flag];
    if (v !== undefined) raw[f.key] = f.kind === 'number' && typeof v === 'string' ? Number(v) : v;
  }
  return { values: withFlagNames(() => schema.parse(raw)), given: new Set(Object.keys(raw)), positionals, help: values.help === true };
}
