/**
 * What an `amft` command declares about itself (its name, a one-line summary, its flags as one zod
 * object) and what is derived from that: its --help and its parsed flags.
 */
import type { z } from 'zod';
import { flagHelp, flagInfos, flagSynopsis, parseFlags, wrap, wrapWords, type ParsedFlags } from '@amft/shared/flags';

export interface CommandSpec<S extends z.ZodObject = z.ZodObject> {
  name: string;
  /** one line in `amft --help` */
  summary: string;
  /** the positional arguments in the usage line (`<image|folder...>`); none when absent */
  operands?: string;
  /** a paragraph between the usage line and the flags */
  about?: string;
  flags: S;
  /** headings printed before the flags of these keys */
  headings?: Partial<Record<keyof S['shape'] & string, string>>;
  /** a paragraph after the flags */
  footer?: string;
}

/** `amft <name> [operands] <required flags> [options]` */
export function usageLine(c: CommandSpec): string {
  const required = flagInfos(c.flags.shape).filter((f) => f.required).map((f) => `--${f.flag}${f.arg ? ` <${f.arg}>` : ''}`);
  return ['amft', c.name, c.operands, ...required, '[options]'].filter(Boolean).join(' ');
}

/** `amft <name> --help`: the usage line, then every flag with its description, accepted values and default. */
export function commandHelp(c: CommandSpec): string {
  const flags = flagHelp(c.flags.shape, { headings: c.headings as Record<string, string> | undefined });
  return [
    `usage: ${usageLine(c)}`,
    ...(c.about ? ['', ...wrap(c.about, '')] : []),
    ...(flags[0] === '' ? [] : ['']),
    ...flags,
    '  -h, --help',
    '      This text.',
    ...(c.footer ? ['', ...wrap(c.footer, '')] : []),
    '',
  ].join('\n');
}

/** One entry of `amft --help`: the command, its summary, and all its flags with their defaults. */
export function commandSynopsis(c: CommandSpec): string {
  const indent = ' '.repeat(17);
  const words = [...(c.operands ? [c.operands] : []), ...flagSynopsis(c.flags.shape)];
  return [`  ${c.name.padEnd(15)}${c.summary}`, ...wrapWords(words, indent)].join('\n');
}

/** The command's flags parsed and validated (see parseFlags in @amft/shared/flags). */
export function parseCommand<S extends z.ZodObject>(argv: readonly string[], c: CommandSpec<S>): ParsedFlags<S> {
  return parseFlags(argv, c.flags, { positionals: c.operands !== undefined });
}

/**
 * With --help or -h anywhere among the arguments: writes the command's help to `out` and returns
 * undefined (nothing else is parsed). Otherwise the parsed flags, as parseCommand.
 */
export function parseOrHelp<S extends z.ZodObject>(argv: readonly string[], c: CommandSpec<S>, out: { write: (text: string) => unknown }): ParsedFlags<S> | undefined {
  if (argv.includes('--help') || argv.includes('-h')) {
    out.write(commandHelp(c));
    return undefined;
  }
  return parseCommand(argv, c);
}
