/**
 * Worker threads, both sides. The main thread starts a worker with `ThreadClient.start`, which
 * resolves once the worker has opened what it needs and said `ready` (with a description of
 * itself), and calls it with `call`; the worker answers with `serveThread`. Errors cross as
 * `{ name, message, code, statusCode }` so a coded client error (FER_ERR_*, 4xx) raised in a
 * worker reaches the error handler as it would from the main thread. A worker that dies is
 * started again; the calls it had in flight fail. `close` lets the worker release what it opened
 * (onnxruntime sessions must be released before their thread ends, or the process aborts).
 */
import { parentPort, Worker, type WorkerOptions } from 'node:worker_threads';

/** The module `name` beside `from` (an import.meta.url): `.ts` when running from source, else `.js`. */
export function siblingModule(from: string, name: string): URL {
  return new URL(`./${name}${from.endsWith('.ts') ? '.ts' : '.js'}`, from);
}

/**
 * A worker running `entry`. From TypeScript source (tests run under tsx), Node 20 does not give
 * workers the parent's module hooks (`--import tsx`), so such a worker registers tsx itself
 * before importing its entry.
 */
function startWorker(entry: URL, options: WorkerOptions): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, options);
  const tsx = import.meta.resolve('tsx/esm/api');
  return new Worker(`import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); })`, { ...options, eval: true });
}

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

type LogLevel = 'info' | 'warn' | 'error';

type FromWorker =
  | { type: 'ready'; info: unknown }
  | { type: 'failed'; error: SerializedError }
  | { type: 'log'; level: LogLevel; obj: object; msg?: string }
  | { type: 'result'; id: number; value: unknown }
  | { type: 'error'; id: number; error: SerializedError };

interface Pending {
  resolve: (v: never) => void;
  reject: (e: unknown) => void;
}

export class ThreadClient<Info, Req, Res> {
  /** What the worker said of itself when it was ready. */
  info!: Info;
  private worker!: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;
  /** Resolves when a restarted worker is ready; calls made meanwhile wait for it. */
  private starting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private readonly exited = new WeakSet<Worker>();
  /** Resolves once no call is in flight (close waits for it). */
  private idle: (() => void) | undefined;

  private constructor(
    private readonly url: URL,
    private readonly workerData: unknown,
    private readonly log: ThreadLog | undefined,
    private readonly name: string,
  ) {}

  /** Starts the worker and waits for its `ready`; a worker that fails to start rejects with its error. */
  static async start<Info, Req, Res>(url: URL, workerData: unknown, opts: { log?: ThreadLog; name: string }): Promise<ThreadClient<Info, Req, Res>> {
    const c = new ThreadClient<Info, Req, Res>(url, workerData, opts.log, opts.name);
    await c.spawn();
    return c;
  }

  /** Calls in flight on this worker. */
  get inFlight(): number {
    return this.pending.size;
  }

  async call(req: Req): Promise<Res> {
    if (this.starting) await this.starting;
    if (this.closed) throw new Error(`${this.name} thread is closed`);
    const id = this.nextId++;
    return new Promise<Res>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: never) => void, reject });
      this.worker.postMessage({ id, req });
    });
  }

  /**
   * Refuses new calls, waits for those in flight, has the worker release what it opened, and
   * ends it; a worker that takes longer than `timeoutMs` is terminated.
   */
  close(timeoutMs = 10_000): Promise<void> {
    this.closing ??= this.shutdown(timeoutMs);
    return this.closing;
  }

  private async shutdown(timeoutMs: number): Promise<void> {
    this.closed = true;
    if (this.starting) await this.starting;
    const worker = this.worker;
    if (this.exited.has(worker)) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    const timer = setTimeout(() => void worker.terminate(), timeoutMs);
    if (this.pending.size > 0) await Promise.race([exited, new Promise<void>((resolve) => (this.idle = resolve))]);
    worker.postMessage({ close: true });
    await exited;
    clearTimeout(timer);
  }

  private settle(id: number, f: (p: Pending) => void): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    f(p);
    if (this.pending.size === 0) this.idle?.();
  }

  private spawn(): Promise<void> {
    const worker = startWorker(this.url, { workerData: this.workerData, name: this.name });
    this.worker = worker;
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      worker.on('message', (m: FromWorker) => {
        switch (m.type) {
          case 'ready':
            ready = true;
            this.info = m.info as Info;
            resolve();
            break;
          case 'failed':
            reject(reviveError(m.error));
            void worker.terminate();
            break;
          case 'log':
            this.log?.[m.level](m.obj, m.msg);
            break;
          case 'result':
            this.settle(m.id, (p) => p.resolve(m.value as never));
            break;
          case 'error':
            this.settle(m.id, (p) => p.reject(reviveError(m.error)));
            break;
        }
      });
      worker.on('error', (err) => {
        if (!ready) reject(err);
        else this.log?.error({ err, thread: this.name }, 'worker thread failed');
      });
      worker.on('exit', (code) => {
        this.exited.add(worker);
        if (!ready) {
          reject(new Error(`${this.name} thread exited with code ${code} while starting`));
          return;
        }
        for (const id of [...this.pending.keys()]) this.settle(id, (p) => p.reject(new Error(`${this.name} thread exited with code ${code}`)));
        if (this.closed || worker !== this.worker) return;
        this.log?.error({ thread: this.name, code }, 'worker thread exited; starting it again');
        this.starting = this.spawn()
          .catch((err: unknown) => {
            this.closed = true;
            this.log?.error({ err, thread: this.name }, 'worker thread could not be started again');
          })
          .finally(() => (this.starting = undefined));
      });
    });
  }
}

/** Worker side: posts a log line to the main thread's logger. */
export const threadLog: ThreadLog = {
  info: (obj, msg) => parentPort?.postMessage({ type: 'log', level: 'info', obj, msg }),
  warn: (obj, msg) => parentPort?.postMessage({ type: 'log', level: 'warn', obj, msg }),
  error: (obj, msg) => parentPort?.postMessage({ type: 'log', level: 'error', obj, msg }),
};

export interface ServedThread<Info, Req, Res> {
  /** Sent to the main thread once, with `ready`. */
  info: Info;
  handle: (req: Req) => Promise<Res> | Res;
  /** Releases what `open` opened; the thread ends after it. */
  close: () => Promise<void>;
}

/**
 * Worker side: runs `open` (whose `info` describes the worker to the main thread, e.g. session
 * inputs), then answers every call with `handle` until the main thread asks it to close. A
 * failed `open` is reported and ends the worker.
 */
export async function serveThread<Info, Req, Res>(open: () => Promise<ServedThread<Info, Req, Res>>): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('serveThread runs in a worker thread');
  let served: ServedThread<Info, Req, Res>;
  try {
    served = await open();
    port.postMessage({ type: 'ready', info: served.info });
  } catch (err) {
    port.postMessage({ type: 'failed', error: serializeError(err) });
    return;
  }
  port.on('message', async (m: { id: number; req: Req } | { close: true }) => {
    if ('close' in m) {
      await served.close().catch(() => undefined);
      port.close();
      return;
    }
    try {
      port.postMessage({ type: 'result', id: m.id, value: await served.handle(m.req) });
    } catch (err) {
      port.postMessage({ type: 'error', id: m.id, error: serializeError(err) });
    }
  });
}
