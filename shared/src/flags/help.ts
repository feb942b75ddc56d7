/** Help text of a flags schema: every flag with its description, accepted values and default. */
import type { z } from 'zod';
import { flagInfos, type FlagInfo } from './field.js';

/** Words of `text` in lines of at most `width` characters, each indented by `indent`. */
export function wrap(text: string, indent: string, width = 100): string[] {
  return wrapWords(text.split(/\s+/).filter(Boolean), indent, width);
}

/** `words` (each kept whole) in lines of at most `width` characters, each indented by `indent`. */
export function wrapWords(words: readonly string[], indent: string, width = 100): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(indent + line);
  return lines;
}

/** A flag's description, then `One of: ...`, `Required.` / `Default: ...`, `Repeatable.`. */
export function flagText(f: FlagInfo): string {
  const d = f.default;
  const shown = d === undefined || d === '' || (Array.isArray(d) && d.length === 0) ? f.defaultText : String(d);
  return [
    f.description,
    f.choices ? `One of: ${f.choices.join(', ')}.` : '',
    f.required ? 'Required.' : shown === undefined ? '' : `Default: ${shown}.`,
    f.kind === 'list' ? 'Repeatable.' : '',
  ]
    .filter(Boolean)
    .join(' ');
}

export interface HelpOptions {
  /** text beside a flag, in a column (the service: its environment variable) */
  aside?: (key: string) => string;
  /** a heading printed before the flag of that key */
  headings?: Readonly<Record<string, string>>;
  width?: number;
}

/** Two or more lines per flag: `  --name <arg>` (with its aside), then its text, wrapped and indented. */
export function flagHelp(shape: Readonly<Record<string, z.ZodType>>, opts: HelpOptions = {}): string[] {
  return flagInfos(shape).flatMap((f) => {
    const name = `  --${f.flag}${f.arg ? ` <${f.arg}>` : ''}`;
    const aside = opts.aside?.(f.key);
    const heading = opts.headings?.[f.key];
    return [...(heading ? ['', `${heading}:`] : []), aside ? name.padEnd(34) + aside : name, ...wrap(flagText(f), '      ', opts.width)];
  });
}

/**
 * Every flag as a word of a synopsis: `--data <path>` when required, `[--epochs 30]` with its
 * default, `[--format manifest|folder]` with its choices, `[--lstm]` for a switch.
 */
export function flagSynopsis(shape: Readonly<Record<string, z.ZodType>>): string[] {
  return flagInfos(shape).map((f) => {
    const value = f.choices ? ` ${f.choices.join('|')}` : f.arg ? ` <${f.arg}>` : '';
    if (f.required) return `--${f.flag}${value}`;
    if (f.kind === 'boolean') return `[--${f.flag}]`;
    if (f.kind === 'list') return `[--${f.flag}${value}]...`;
    return f.default === undefined ? `[--${f.flag}${value}]` : `[--${f.flag} ${String(f.default)}]`;
  });
}
