/**
 * A `ModelSession` whose runs go to a remote Open Inference Protocol v2 server (Triton, KServe,
 * or another instance of this service) over REST, with the binary tensor data extension both
 * ways. Each HTTP call has a timeout; a failed call (network error, timeout, 429 or 5xx) is
 * retried with exponential backoff; when every attempt failed the run rejects with
 * FER_ERR_REMOTE_UNAVAILABLE (503), and a 4xx of the remote with FER_ERR_REMOTE_REJECTED (502).
 * The graph's inputs and outputs come from the remote model's metadata (`GET /v2/models/<name>`),
 * read at open when the remote is up, else at the first readiness probe that finds it up.
 */
import { RemoteRejectedError, RemoteUnavailableError } from '../errors.js';
import type { FloatTensor, IoInfo, ModelSession, SessionLog } from './session.js';
import { BINARY_HEADER, encodeBody, FP32, InferResponse, ModelMetadataResponse, ortType, splitBody, tensorData, tensorEntry } from './v2-protocol.js';

export interface RemoteOptions {
  /** Base URL of the v2 server, http://host:port. */
  url: string;
  /** The model's name on the remote server. */
  model: string;
  timeoutMs: number;
  retries: number;
  /** First backoff in ms; doubled after each failed attempt (default 100). */
  backoffMs?: number;
  log?: SessionLog & { error?(obj: object, msg?: string): void };
  /** Checks the remote graph against what the service expects; problems make the session unusable. */
  check?: (s: Pick<ModelSession, 'inputs' | 'outputs'>) => string[];
}

const PROBE_TIMEOUT_MS = 2000;

export class RemoteSession implements ModelSession {
  readonly provider = 'remote';
  readonly threads = 0;
  get providerReason(): string {
    return '--inference-url: the model runs on a remote Open Inference Protocol v2 server';
  }
  private meta: ModelMetadataResponse | undefined;
  /** Mismatches between the remote graph and the metadata, once described. */
  problems: string[] = [];
  private readonly base: string;

  private constructor(private readonly opts: RemoteOptions) {
    this.base = opts.url.replace(/\/+$/, '');
  }

  /** A session on `opts.url`; reads the remote model's metadata when the remote is up already. */
  static async open(opts: RemoteOptions): Promise<RemoteSession> {
    const s = new RemoteSession(opts);
    try {
      await s.describe();
    } catch (err) {
      opts.log?.warn({ url: s.base, model: opts.model, reason: (err as Error).message }, 'remote inference server not reachable yet; not ready until it is');
    }
    return s;
  }

  get device(): string {
    return this.base;
  }
  get described(): boolean {
    return this.meta !== undefined;
  }
  get inputs(): IoInfo[] {
    return (this.meta?.inputs ?? []).map((t) => ({ name: t.name, type: ortType(t.datatype), shape: t.shape }));
  }
  get outputs(): IoInfo[] {
    return (this.meta?.outputs ?? []).map((t) => ({ name: t.name, type: ortType(t.datatype), shape: t.shape }));
  }
  get inputNames(): readonly string[] {
    return this.inputs.map((i) => i.name);
  }
  get outputNames(): readonly string[] {
    return this.outputs.map((o) => o.name);
  }

  private modelPath(suffix = ''): string {
    return `/v2/models/${encodeURIComponent(this.opts.model)}${suffix}`;
  }

  /** Reads the remote model's metadata and checks it (one attempt). */
  async describe(): Promise<void> {
    const r = await this.fetchOnce(this.modelPath(), { method: 'GET' }, this.opts.timeoutMs);
    const text = await r.text();
    if (r.status !== 200) throw new Error(`GET ${this.modelPath()} answered ${r.status}: ${text.slice(0, 200)}`);
    this.meta = ModelMetadataResponse.parse(JSON.parse(text));
    this.problems = this.opts.check?.(this) ?? [];
    if (this.problems.length) this.opts.log?.error?.({ url: this.base, problems: this.problems }, 'the remote model does not match metadata.json');
  }

  /** True when the remote answers 200 to `/v2/health/ready` and its model matches. */
  async ready(): Promise<boolean> {
    try {
      const r = await this.fetchOnce('/v2/health/ready', { method: 'GET' }, Math.min(this.opts.timeoutMs, PROBE_TIMEOUT_MS));
      await r.arrayBuffer();
      if (r.status !== 200) return false;
      if (!this.meta) await this.describe();
      return this.problems.length === 0;
    } catch {
      return false;
    }
  }

  async run(feeds: Readonly<Record<string, FloatTensor>>, fetches: readonly string[]): Promise<Record<string, FloatTensor>> {
    const chunks: Float32Array[] = [];
    const inputs = Object.entries(feeds).map(([name, t]) => tensorEntry({ name, datatype: FP32, shape: [...t.dims] }, t.data, true, chunks));
    const { body, headerLength } = encodeBody({ inputs, outputs: fetches.map((name) => ({ name, parameters: { binary_data: true } })) }, chunks);
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream', [BINARY_HEADER]: String(headerLength) };
    const r = await this.fetchRetrying(this.modelPath('/infer'), { method: 'POST', body: new Uint8Array(body), headers });
    const bytes = Buffer.from(await r.arrayBuffer());
    if (r.status !== 200) throw new RemoteRejectedError(r.status, bytes.toString('utf8').slice(0, 500));
    const { json, binary } = splitBody(bytes, r.headers.get(BINARY_HEADER) ?? undefined);
    const res = InferResponse.parse(json);
    const data = tensorData(res.outputs, binary);
    const result: Record<string, FloatTensor> = {};
    res.outputs.forEach((o, i) => (result[o.name] = { data: data[i], dims: o.shape }));
    const missing = fetches.filter((f) => !(f in result));
    if (missing.length) throw new RemoteRejectedError(r.status, `the response lacks outputs ${missing.join(', ')}`);
    return result;
  }

  async release(): Promise<void> {}

  private async fetchOnce(path: string, init: RequestInit, timeoutMs: number): Promise<Response> {
    try {
      return await fetch(this.base + path, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      throw new Error(e.name === 'TimeoutError' ? `${path} timed out after ${timeoutMs} ms` : `${path}: ${e.cause?.code ?? e.message}`);
    }
  }

  /** `fetchOnce`, retried with exponential backoff on network errors, timeouts, 429 and 5xx. */
  private async fetchRetrying(path: string, init: RequestInit): Promise<Response> {
    const { retries, timeoutMs, backoffMs = 100 } = this.opts;
    let last = '';
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await new Promise((res) => setTimeout(res, backoffMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2)));
      try {
        const r = await this.fetchOnce(path, init, timeoutMs);
        if (r.status < 500 && r.status !== 429) return r;
        last = `${path} answered ${r.status}: ${(await r.text()).slice(0, 200)}`;
      } catch (err) {
        last = (err as Error).message;
      }
      this.opts.log?.warn({ url: this.base, attempt: attempt + 1, of: retries + 1, reason: last }, 'remote inference call failed');
    }
    throw new RemoteUnavailableError(`${last} (${retries + 1} attempts)`);
  }
}
