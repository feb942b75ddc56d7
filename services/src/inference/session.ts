/**
 * The only module that imports onnxruntime-node. Opens sessions on a named device, falls back
 * to CPU when the device's provider cannot be loaded (and says so), checks feeds against the
 * session's inputs, and hands back plain typed arrays so no onnxruntime type leaks out.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';

/** Device name -> execution providers, in order of preference. */
export const DEVICES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  cpu: Object.freeze(['cpu']),
  cuda: Object.freeze(['cuda', 'cpu']),
});

export class UnknownDeviceError extends Error {
  override name = 'UnknownDeviceError';
  constructor(device: string) {
    super(`unknown device '${device}'; known devices: ${Object.keys(DEVICES).join(', ')}`);
  }
}

export function providersFor(device: string): readonly string[] {
  const p = Object.hasOwn(DEVICES, device) ? DEVICES[device] : undefined;
  if (!p) throw new UnknownDeviceError(device);
  return p;
}

/** Where onnxruntime-node keeps its native libraries on this platform. */
function ortLibraryDir(): string {
  const pkg = createRequire(import.meta.url).resolve('onnxruntime-node/package.json');
  return join(dirname(pkg), 'bin', 'napi-v6', process.platform, process.arch);
}

/** Libraries a provider needs beside the onnxruntime binding (the CPU provider is built in). */
const PROVIDER_LIBRARIES: Readonly<Record<string, readonly string[]>> = {
  cuda: ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so'],
};

export interface ProviderPlan {
  /** Providers to try, best first. */
  providers: readonly string[];
  /** Why the first one, in words, for the log. */
  reason: string;
}

/**
 * The providers worth trying for `device`, decided without asking onnxruntime: a provider whose
 * library is not installed (onnxruntime-node's install script did not fetch it, the normal case
 * on a CPU machine) is left out, so onnxruntime never prints its load error for it.
 */
export function planProviders(device: string, libraryDir = ortLibraryDir()): ProviderPlan {
  const wanted = providersFor(device);
  const missing = (ep: string) => (PROVIDER_LIBRARIES[ep] ?? []).filter((f) => !existsSync(join(libraryDir, f)));
  const providers = wanted.filter((ep) => missing(ep).length === 0);
  const skipped = wanted.filter((ep) => !providers.includes(ep));
  const reason = skipped.length
    ? `device '${device}': ${skipped.map((ep) => `the ${ep} provider is not installed (no ${missing(ep)[0]}; ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install fetches it)`).join('; ')}`
    : `device '${device}' requested`;
  return { providers, reason };
}

export interface SessionLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface SessionOptions {
  device: string;
  /** Intra-op threads; 0 lets onnxruntime choose. */
  threads: number;
  log?: SessionLog;
}

export interface FloatTensor {
  data: Float32Array;
  dims: readonly number[];
}

export interface IoInfo {
  name: string;
  /** Element type as onnxruntime names it (float32, int64, ...). */
  type: string;
  /** Dimensions: a number when fixed, a string (symbolic name) or -1 when dynamic; undefined if unknown. */
  shape: readonly (number | string)[] | undefined;
}

export class SessionRunError extends Error {
  override name = 'SessionRunError';
}

export interface RunOptions {
  /**
   * Feeds whose buffers the caller gives up: a session on another thread moves them there
   * rather than copying them (a batch of 32 48x48 crops is 295 KB); the caller must not read
   * them after. Sessions on the calling thread ignore it.
   */
  give?: readonly string[];
}

/**
 * What the rest of the service sees of an inference session: this module's `Session`, a
 * `WorkerSession` (inference/worker-session.ts) that runs one on its own thread, or a
 * `RemoteSession` (inference/remote-session.ts) that runs the model on a v2 server.
 */
export interface ModelSession {
  readonly device: string;
  /** The execution provider actually in use. */
  readonly provider: string;
  /** Why `provider`: the device asked for, a provider library absent, or its load error. */
  readonly providerReason: string;
  readonly threads: number;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputs: IoInfo[];
  readonly outputs: IoInfo[];
  run(feeds: Readonly<Record<string, FloatTensor>>, fetches: readonly string[], opts?: RunOptions): Promise<Record<string, FloatTensor>>;
  release(): Promise<void>;
  /** Whether runs can succeed now (a remote server is up); sessions without it always can. */
  ready?(): Promise<boolean>;
}

/**
 * A session on the calling thread. onnxruntime-node's `run` computes synchronously on the thread
 * that calls it (its promise only defers the start), so on the service's main thread a run blocks
 * the event loop for its whole duration: the service opens its sessions in worker threads.
 */
export class Session implements ModelSession {
  private constructor(
    private readonly inner: ort.InferenceSession,
    readonly device: string,
    /** The execution provider actually in use. */
    readonly provider: string,
    readonly threads: number,
    readonly providerReason: string,
  ) {}

  static async open(model: string, opts: SessionOptions): Promise<Session> {
    const plan = planProviders(opts.device);
    const providers = plan.providers;
    const base: ort.InferenceSession.SessionOptions = {
      graphOptimizationLevel: 'all',
      // Warnings such as unused initializers in the bundled BlazeFace file are noise; errors stay.
      logSeverityLevel: 3,
      ...(opts.threads > 0 ? { intraOpNumThreads: opts.threads, interOpNumThreads: 1 } : {}),
      // onnxruntime's threads spin while they wait for work by default, taking CPU that request
      // handling and image decoding need: on the shared 2-core machine the lite model alone ran
      // batches of 32 at 400 images/s spinning, 600 not.
      extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
    };
    let lastError: unknown;
    // Try the preferred provider list, then each fallback alone (cuda,cpu -> cpu).
    for (let i = 0; i < providers.length; i++) {
      const eps = providers.slice(i);
      try {
        // A provider other than the CPU may still fail to load (no driver, wrong CUDA): its
        // onnxruntime error line is kept quiet, the fallback below logs the reason once.
        const options = { ...base, executionProviders: [...eps], ...(eps[0] !== 'cpu' ? { logSeverityLevel: 4 as const } : {}) };
        const inner = await ort.InferenceSession.create(model, options);
        if (i > 0) {
          opts.log?.warn({ device: opts.device, wanted: providers[0], provider: eps[0], reason: errorMessage(lastError) }, `execution provider ${providers[0]} could not be loaded; falling back to ${eps[0]}`);
        }
        const reason = i > 0 ? `${providers[0]} failed to load: ${errorMessage(lastError)}` : plan.reason;
        return new Session(inner, opts.device, eps[0], opts.threads, reason);
      } catch (err) {
        lastError = err;
        // A model that cannot be parsed fails on every provider: do not retry it.
        if (eps[0] === 'cpu' || !isProviderLoadError(err)) throw err;
      }
    }
    throw lastError;
  }

  get inputNames(): readonly string[] {
    return this.inner.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.inner.outputNames;
  }

  get inputs(): IoInfo[] {
    return this.inner.inputMetadata.map(describe);
  }

  get outputs(): IoInfo[] {
    return this.inner.outputMetadata.map(describe);
  }

  /**
   * Runs the graph. Every session input must be fed and nothing else; fetches must be outputs.
   */
  async run(feeds: Readonly<Record<string, FloatTensor>>, fetches: readonly string[]): Promise<Record<string, FloatTensor>> {
    const names = Object.keys(feeds);
    const unknown = names.filter((n) => !this.inner.inputNames.includes(n));
    const missing = this.inner.inputNames.filter((n) => !names.includes(n));
    if (unknown.length || missing.length) {
      throw new SessionRunError(
        `feeds do not match the model inputs [${this.inner.inputNames.join(', ')}]` +
          (unknown.length ? `; unknown: ${unknown.join(', ')}` : '') +
          (missing.length ? `; missing: ${missing.join(', ')}` : ''),
      );
    }
    const badFetch = fetches.filter((f) => !this.inner.outputNames.includes(f));
    if (badFetch.length) throw new SessionRunError(`unknown outputs ${badFetch.join(', ')}; the model outputs [${this.inner.outputNames.join(', ')}]`);
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = new ort.Tensor('float32', t.data, [...t.dims]);
    const out = await this.inner.run(ortFeeds, [...fetches]);
    const result: Record<string, FloatTensor> = {};
    for (const f of fetches) {
      const t = out[f];
      if (t.type !== 'float32') throw new SessionRunError(`output ${f} is ${t.type}, expected float32`);
      result[f] = { data: t.data as Float32Array, dims: t.dims };
    }
    return result;
  }

  async release(): Promise<void> {
    await this.inner.release();
  }
}

function describe(m: ort.InferenceSession.ValueMetadata): IoInfo {
  if (m.isTensor) return { name: m.name, type: m.type, shape: m.shape };
  return { name: m.name, type: 'non-tensor', shape: undefined };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function isProviderLoadError(err: unknown): boolean {
  return /provider|shared library|cuda|cudnn|libonnxruntime_providers|not supported/i.test(errorMessage(err));
}
