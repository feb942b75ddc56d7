/**
 * Calls to the service (same origin), with the API key the user typed (kept in sessionStorage:
 * gone when the tab closes) as a Bearer token. Failures are ApiErrors carrying the service's
 * `{error, message}`.
 */
import type { Check } from './check.js';
import { errorBody } from './schemas.js';

const KEY_ITEM = 'amft.apiKey';

export function getApiKey(): string {
  return sessionStorage.getItem(KEY_ITEM) ?? '';
}

export function setApiKey(key: string): void {
  if (key.trim() === '') sessionStorage.removeItem(KEY_ITEM);
  else sessionStorage.setItem(KEY_ITEM, key.trim());
}

export class ApiError extends Error {
  /** `status` 0: no answer (network). */
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Answer<T> {
  body: T;
  /** Round trip, milliseconds. */
  ms: number;
}

export async function call<T>(method: 'GET' | 'POST', path: string, parse: Check<T>, body?: FormData): Promise<Answer<T>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const key = getApiKey();
  if (key) headers.authorization = `Bearer ${key}`;
  const t0 = performance.now();
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body });
  } catch (err) {
    throw new ApiError(0, 'network', `the service did not answer (${err instanceof Error ? err.message : String(err)})`);
  }
  const text = await res.text();
  const ms = performance.now() - t0;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ApiError(res.status, 'not-json', `the service answered ${res.status} without JSON`);
  }
  if (!res.ok) {
    let e: { error: string; message: string };
    try {
      e = errorBody(json, 'error');
    } catch {
      e = { error: `HTTP ${res.status}`, message: `the service answered ${res.status}` };
    }
    const hint = res.status === 401 ? ' (enter an API key at the top of the page)' : '';
    throw new ApiError(res.status, e.error, e.message + hint);
  }
  return { body: parse(json, 'response'), ms };
}

/** A message for the page from any failure. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) return err.status > 0 ? `${err.message} [${err.code}]` : err.message;
  return err instanceof Error ? err.message : String(err);
}
