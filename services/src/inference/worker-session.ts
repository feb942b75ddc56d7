/**
 * An inference session on its own worker thread (session-thread.ts holds the real one): same
 * surface as `Session`, but `run` leaves the calling thread free while onnxruntime computes.
 * Feeds are copied to the thread, except those the caller gives up (`RunOptions.give`: the
 * batcher's batch), which are moved; results (7 values a crop) are copied back.
 */
import { siblingModule, ThreadClient } from '@amft/shared/threads';
import type { Transferable } from 'node:worker_threads';
import { Session, type FloatTensor, type IoInfo, type ModelSession, type RunOptions, type SessionOptions } from './session.js';

export interface SessionThreadInfo {
  device: string;
  provider: string;
  providerReason: string;
  threads: number;
  inputNames: string[];
  outputNames: string[];
  inputs: IoInfo[];
  outputs: IoInfo[];
}

export interface SessionThreadData {
  model: string;
  opts: Omit<SessionOptions, 'log'>;
}

export interface RunRequest {
  feeds: Record<string, FloatTensor>;
  fetches: string[];
}

export class WorkerSession implements ModelSession {
  private constructor(private readonly thread: ThreadClient<SessionThreadInfo, RunRequest, Record<string, FloatTensor>>) {}

  /** Opens `model` in a new worker thread; rejects as `Session.open` would. */
  static async open(model: string, opts: SessionOptions): Promise<WorkerSession> {
    const { log, ...rest } = opts;
    const data: SessionThreadData = { model, opts: rest };
    const threadLog = log && { info: log.info.bind(log), warn: log.warn.bind(log), error: (o: object, m?: string) => log.warn(o, m) };
    const thread = await ThreadClient.start<SessionThreadInfo, RunRequest, Record<string, FloatTensor>>(siblingModule(import.meta.url, 'session-thread'), data, { log: threadLog, name: 'inference' });
    return new WorkerSession(thread);
  }

  get device(): string {
    return this.thread.info.device;
  }
  get provider(): string {
    return this.thread.info.provider;
  }
  get providerReason(): string {
    return this.thread.info.providerReason;
  }
  get threads(): number {
    return this.thread.info.threads;
  }
  get inputNames(): readonly string[] {
    return this.thread.info.inputNames;
  }
  get outputNames(): readonly string[] {
    return this.thread.info.outputNames;
  }
  get inputs(): IoInfo[] {
    return this.thread.info.inputs;
  }
  get outputs(): IoInfo[] {
    return this.thread.info.outputs;
  }

  run(feeds: Readonly<Record<string, FloatTensor>>, fetches: readonly string[], opts: RunOptions = {}): Promise<Record<string, FloatTensor>> {
    return this.thread.call({ feeds: { ...feeds }, fetches: [...fetches] }, movable(feeds, opts.give ?? []));
  }

  async release(): Promise<void> {
    await this.thread.close();
  }
}

/**
 * The buffers of the given-up feeds that can move: only a view of its whole buffer (moving a
 * buffer that other views share would empty them too); any other is copied as before.
 */
function movable(feeds: Readonly<Record<string, FloatTensor>>, give: readonly string[]): Transferable[] {
  const out = new Set<ArrayBuffer>();
  for (const name of give) {
    const data = feeds[name]?.data;
    if (data && data.byteOffset === 0 && data.buffer instanceof ArrayBuffer && data.byteLength === data.buffer.byteLength) out.add(data.buffer);
  }
  return [...out];
}

/** Opens a session on the calling thread or, with `inWorker`, on a worker thread of its own. */
export async function openSession(model: string, opts: SessionOptions & { inWorker?: boolean }): Promise<ModelSession> {
  const { inWorker, ...rest } = opts;
  return inWorker ? WorkerSession.open(model, rest) : Session.open(model, rest);
}
