/**
 * Runtime checks of what the service answers, with the shapes of openapi.yaml the page uses.
 * A response that does not have them is an error naming the field, never a half-drawn page.
 */
export type Check<T> = (v: unknown, path: string) => T;

export class ShapeError extends Error {
  constructor(path: string, expected: string) {
    super(`unexpected response from the service: ${path} is not ${expected}`);
  }
}

export const num: Check<number> = (v, path) => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ShapeError(path, 'a number');
  return v;
};

export const str: Check<string> = (v, path) => {
  if (typeof v !== 'string') throw new ShapeError(path, 'a string');
  return v;
};

export const arr =
  <T>(item: Check<T>): Check<T[]> =>
  (v, path) => {
    if (!Array.isArray(v)) throw new ShapeError(path, 'an array');
    return v.map((x, i) => item(x, `${path}[${i}]`));
  };

export const record =
  <T>(value: Check<T>): Check<Record<string, T>> =>
  (v, path) => {
    const o = obj(v, path);
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, value(x, `${path}.${k}`)]));
  };

export const optional =
  <T>(check: Check<T>): Check<T | undefined> =>
  (v, path) =>
    v === undefined ? undefined : check(v, path);

export const nullable =
  <T>(check: Check<T>): Check<T | null> =>
  (v, path) =>
    v === null ? null : check(v, path);

export function obj(v: unknown, path: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ShapeError(path, 'an object');
  return v as Record<string, unknown>;
}

/** An object check from one check per field (fields not named are dropped). */
export function shape<T extends object>(fields: { [K in keyof T]: Check<T[K]> }): Check<T> {
  return (v, path) => {
    const o = obj(v, path);
    const out: Partial<T> = {};
    for (const k of Object.keys(fields) as (keyof T)[]) out[k] = fields[k](o[k as string], `${path}.${String(k)}`);
    return out as T;
  };
}
