/** Worker side of shared/src/threads: answers the main thread's calls (see client.ts). */
import { parentPort, type Transferable } from 'node:worker_threads';
import { serializeError, type ThreadLog } from './protocol.js';

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
  /** Buffers of a result to move to the main thread rather than copy. */
  transfer?: (res: Res) => Transferable[];
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
      const value = await served.handle(m.req);
      port.postMessage({ type: 'result', id: m.id, value }, served.transfer?.(value) ?? []);
    } catch (err) {
      port.postMessage({ type: 'error', id: m.id, error: serializeError(err) });
    }
  });
}
