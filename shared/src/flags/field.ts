/**
 * What a command-line flag is, read from its zod field: the flag's name, whether it takes a value,
 * the values an enum accepts, its default, whether it is required, its description. Descriptions
 * and two display hints come from zod metadata: `.meta({ description, arg, defaultText })`, where
 * `arg` names the value in help (`--out <dir>`; `value` when absent) and `defaultText` describes a
 * default the schema cannot hold (one decided at run time: `the best available`).
 */
import { z } from 'zod';

/** `batchSize` -> `batch-size` */
export const kebab = (s: string): string => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
/** `batch-size` -> `batchSize` */
export const camel = (s: string): string => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** boolean: a switch (no value); number: a value turned into a number before validation; list: repeatable. */
export type FlagKind = 'boolean' | 'number' | 'string' | 'list';

export interface FlagInfo {
  /** the schema key (camelCase) */
  key: string;
  /** the flag without dashes (kebab-case) */
  flag: string;
  kind: FlagKind;
  /** what help calls its value (`dir` in `--out <dir>`); undefined for a switch */
  arg?: string;
  description: string;
  /** the values an enum accepts */
  choices?: string[];
  /** the schema's default (a computed default is computed), undefined when it has none */
  default?: unknown;
  /** words for a default decided elsewhere (metadata `defaultText`) */
  defaultText?: string;
  /** neither optional nor defaulted */
  required: boolean;
}

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  entries?: Record<string, string | number>;
  defaultValue?: unknown;
}

const WRAPPERS = new Set(['optional', 'nullable', 'readonly', 'catch', 'nonoptional', 'default', 'prefault']);

/** Reads one field of a flags schema. */
export function flagInfo(key: string, field: z.ZodType): FlagInfo {
  const meta: Record<string, unknown> = {};
  let defaultValue: unknown;
  let hasDefault = false;
  let node: z.ZodType = field;
  // outermost first: the metadata of an outer wrapper wins over its inner type's
  for (;;) {
    for (const [k, v] of Object.entries(z.globalRegistry.get(node) ?? {})) if (!(k in meta)) meta[k] = v;
    const def = node._zod.def as Def;
    if ((def.type === 'default' || def.type === 'prefault') && !hasDefault) {
      hasDefault = true;
      defaultValue = def.defaultValue;
    }
    if (WRAPPERS.has(def.type) && def.innerType) node = def.innerType;
    else if (def.type === 'pipe' && def.in) node = def.in;
    else break;
  }
  const base = node._zod.def as Def;
  const kind: FlagKind = base.type === 'boolean' ? 'boolean' : base.type === 'number' ? 'number' : base.type === 'array' ? 'list' : 'string';
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return {
    key,
    flag: kebab(key),
    kind,
    arg: kind === 'boolean' ? undefined : (text(meta.arg) ?? 'value'),
    description: text(meta.description) ?? '',
    choices: base.type === 'enum' && base.entries ? Object.values(base.entries).map(String) : undefined,
    default: hasDefault ? defaultValue : undefined,
    defaultText: text(meta.defaultText),
    required: !hasDefault && (field._zod as { optin?: string }).optin !== 'optional',
  };
}

/** Every field of a flags schema's shape, in order. */
export function flagInfos(shape: Readonly<Record<string, z.ZodType>>): FlagInfo[] {
  return Object.entries(shape).map(([k, f]) => flagInfo(k, f));
}
