/** What crosses between a worker thread and the main thread: messages, errors, log lines. */

export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  statusCode?: number;
}

export function serializeError(err: unknown): SerializedError {
  const e = err as { name?: unknown; message?: unknown; code?: unknown; statusCode?: unknown };
  return {
    name: typeof e?.name === 'string' ? e.name : 'Error',
    message: typeof e?.message === 'string' ? e.message : String(err),
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
    ...(typeof e?.statusCode === 'number' ? { statusCode: e.statusCode } : {}),
  };
}

export function reviveError(s: SerializedError): Error {
  const err = new Error(s.message) as Error & { code?: string; statusCode?: number };
  err.name = s.name;
  if (s.code !== undefined) err.code = s.code;
  if (s.statusCode !== undefined) err.statusCode = s.statusCode;
  return err;
}

export interface ThreadLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export type LogLevel = 'info' | 'warn' | 'error';

/** Messages from a worker to the main thread. */
export type FromWorker =
  | { type: 'ready'; info: unknown }
  | { type: 'failed'; error: SerializedError }
  | { type: 'log'; level: LogLevel; obj: object; msg?: string }
  | { type: 'result'; id: number; value: unknown }
  | { type: 'error'; id: number; error: SerializedError };

