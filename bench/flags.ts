// The flags of a bench script: one zod object gives the parsing, the types and `--help` (the same
// machinery as `amft` and the service, @amft/shared/flags). An unknown flag or a bad value is an
// error that names the flag.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { flagHelp, parseFlags } from '@amft/shared/flags';
import { z } from 'zod';

const REPO = fileURLToPath(new URL('..', import.meta.url));

/** Parses process.argv with `schema`; `--help` prints the usage line and every flag, then exits. */
export function benchFlags<S extends z.ZodObject>(schema: S, usage: string): z.output<S> {
  try {
    const { values, help } = parseFlags(process.argv.slice(2), schema);
    if (help) {
      process.stdout.write(`${[`usage: ${usage}`, '', ...flagHelp(schema.shape)].join('\n')}\n`);
      process.exit(0);
    }
    return values;
  } catch (err) {
    const message = err instanceof z.ZodError ? err.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; ') : err instanceof Error ? err.message : String(err);
    process.stderr.write(`${message}\n(try --help)\n`);
    process.exit(2);
  }
}

/** A comma-separated list of names, each one of `known`. */
export const names = (known: readonly string[], fallback: readonly string[], description: string) =>
  z
    .string()
    .default(fallback.join(','))
    .transform((v, ctx) => {
      const list = v.split(',').filter(Boolean);
      const bad = list.filter((n) => !known.includes(n));
      if (bad.length) ctx.addIssue({ code: 'custom', message: `unknown: ${bad.join(', ')} (known: ${known.join(', ')})` });
      return list;
    })
    .meta({ arg: 'a,b', description });

/** The flags of the scripts that start the built service: the model it serves and its extra flags (`server`, a default). */
export const serviceFlags = (server = '') => ({
  modelDir: z.string().default(join(REPO, 'models', 'default')).meta({ arg: 'dir', description: 'The model directory the service serves.' }),
  server: z
    .string()
    .default(server)
    .transform((v) => v.split(/\s+/).filter(Boolean))
    .meta({ arg: "'--flag value ...'", description: 'Extra flags for the service (one argument: --server=\'--workers 2\').', defaultText: 'none' }),
});

/** A duration in seconds. */
export const seconds = (fallback: number, description: string) => z.number().positive().default(fallback).meta({ arg: 's', description });
