/**
 * Worker threads, main side: the one module the service (preprocessing and model threads) and
 * the trainer (batch workers, data-parallel training) start their workers with. `ThreadClient.start`
 * resolves once the worker has opened what it needs and said `ready` (with a description of
 * itself); `call` sends it a request; the worker answers with `serveThread` (serve.ts). Errors
 * cross as `{ name, message, code, statusCode }` so a coded client error (FER_ERR_*, 4xx) raised
 * in a worker reaches the error handler as it would from the main thread. A worker that dies is
 * started again (unless started with `restart: false`); the calls it had in flight fail. `close`
 * lets the worker release what it opened (onnxruntime sessions must be released before their
 * thread ends, or the process aborts).
 */
import { Worker, type Transferable, type WorkerOptions } from 'node:worker_threads';
import { reviveError, type FromWorker, type ThreadLog } from './protocol.js';

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

interface Pending {
  resolve: (v: never) => void;
  reject: (e: unknown) => void;
}

export interface ThreadOptions {
  /** Names the thread in logs and errors. */
  name: string;
  /** The main thread's logger: the worker's log lines and the thread's failures go there. */
  log?: ThreadLog;
  /** Start a worker that died again (default true); false leaves the client closed. */
  restart?: boolean;
  /** An idle worker does not keep the process alive (a pool nobody closed); one with calls in flight does. */
  unref?: boolean;
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
    private readonly opts: ThreadOptions,
  ) {}

  private get name(): string {
    return this.opts.name;
  }

  private get log(): ThreadLog | undefined {
    return this.opts.log;
  }

  /** Starts the worker and waits for its `ready`; a worker that fails to start rejects with its error. */
  static async start<Info, Req, Res>(url: URL, workerData: unknown, opts: ThreadOptions): Promise<ThreadClient<Info, Req, Res>> {
    const c = new ThreadClient<Info, Req, Res>(url, workerData, opts);
    await c.spawn();
    return c;
  }

  /** Calls in flight on this worker. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Sends `req` (moving the buffers in `transfer` rather than copying them) and waits for the answer. */
  async call(req: Req, transfer: readonly Transferable[] = []): Promise<Res> {
    if (this.starting) await this.starting;
    if (this.closed) throw new Error(`${this.name} thread is closed`);
    const id = this.nextId++;
    return new Promise<Res>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: never) => void, reject });
      if (this.opts.unref && this.pending.size === 1) this.worker.ref();
      this.worker.postMessage({ id, req }, transfer as Transferable[]);
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
    if (this.pending.size === 0) {
      if (this.opts.unref) this.worker.unref();
      this.idle?.();
    }
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
            if (this.opts.unref && this.pending.size === 0) worker.unref(); // kept alive while it starts
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
        if (this.opts.restart === false) this.closed = true;
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
