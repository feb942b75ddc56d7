/**
 * The images of one request through the per-image stages, within the budgets: each image's
 * decode cost is judged from its header on the main thread (nothing is decoded yet), the
 * request's pixels are checked against the per-request limit, the request is admitted whole
 * (admission.ts), and then its jobs wait in one first-come-first-served queue shared by all
 * requests, a few running at a time on the preprocessing workers. First come, first served:
 * under overload the oldest admitted request finishes first, rather than every admitted request
 * getting a share and all of them finishing late together (measured with 64 clients sending 16
 * photos each: 8 photos/s answered in 10 s with a share each, against 42 with 8 clients). Once
 * a request is cancelled (client gone, deadline) or, in `all`, one of its images fails, its jobs
 * not started are dropped.
 */
import { TooManyPixelsError } from '../errors.js';
import type { Admission } from './admission.js';
import type { AnalyzeJob, AnalyzedImage, ImageSource } from './analyze.js';
import { checkDecodeCost, readHeader, type ImageLimits } from './decode.js';

export interface ImageRunnerOptions {
  admission: Admission;
  limits: ImageLimits;
  /** Decoded pixels of one request (`all`) or one admitted group (`each`). */
  maxRequestPixels: number;
  /** Jobs running at once, over all requests; the others wait on the main thread, in order, where a cancel drops them. */
  concurrency: number;
  /** Runs one job (decode, detect, crop), on a preprocessing worker or the main thread. */
  analyze: (job: AnalyzeJob) => Promise<AnalyzedImage>;
}

type Settled = PromiseSettledResult<AnalyzedImage>;

/** Decoded pixels of a source, from its header; throws the 4xx of an image over a limit. */
async function decodeCost(source: ImageSource, limits: ImageLimits): Promise<number> {
  if (source.kind === 'gray') return source.width * source.height;
  const bytes = Buffer.isBuffer(source.bytes) ? source.bytes : Buffer.from(source.bytes.buffer, source.bytes.byteOffset, source.bytes.byteLength);
  const header = await readHeader(bytes, source.name, source.declaredType);
  checkDecodeCost(header, limits, source.name);
  return header.width * header.height;
}

/** A counting semaphore that hands its slots out in the order they were asked for. */
class FifoSlots {
  private used = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  async acquire(): Promise<void> {
    if (this.used < this.size) {
      this.used += 1;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.used -= 1;
  }
}

export class ImageRunner {
  private readonly slots: FifoSlots;

  constructor(private readonly opts: ImageRunnerOptions) {
    this.slots = new FifoSlots(Math.max(1, opts.concurrency));
  }

  /**
   * All or nothing: every image is checked from its header first, so the first bad one in the
   * order sent fails the request before anything is decoded; a failure while decoding cancels
   * the jobs not started and fails the request.
   */
  async all(jobs: readonly AnalyzeJob[], signal?: AbortSignal): Promise<AnalyzedImage[]> {
    const costs = await Promise.allSettled(jobs.map((j) => decodeCost(j.source, this.opts.limits)));
    const bad = costs.find((c): c is PromiseRejectedResult => c.status === 'rejected');
    if (bad) throw bad.reason;
    const pixels = costs.reduce((s, c) => s + (c as PromiseFulfilledResult<number>).value, 0);
    if (pixels > this.opts.maxRequestPixels) throw new TooManyPixelsError(pixels, this.opts.maxRequestPixels);
    const ticket = await this.opts.admission.reserve(jobs.length, pixels, signal);
    // Stopped by whichever comes first, the request's signal or the first failed image; its
    // reason is what the jobs not started yet are rejected with. (A flag, not AbortSignal.any
    // over a controller of its own: those two cost more per request than a crop's decode.)
    let stop: { reason: unknown } | undefined;
    const stopped = () => (stop ??= signal?.aborted ? { reason: signal.reason } : undefined);
    const onFail = () => (stop ??= { reason: signal?.aborted ? signal.reason : new Error('another image of the request failed') });
    try {
      const settled = await this.run(jobs, stopped, onFail);
      const rejected = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
      const first = rejected.find((s) => !stop || s.reason !== stop.reason) ?? rejected[0];
      if (first) throw first.reason;
      return settled.map((s) => (s as PromiseFulfilledResult<AnalyzedImage>).value);
    } finally {
      ticket.release();
    }
  }

  /**
   * Each image on its own (an image that fails is a result, not a failure of the request), in
   * groups admitted one after the other, each within the per-request pixel limit.
   */
  async each(jobs: readonly AnalyzeJob[], signal?: AbortSignal): Promise<Settled[]> {
    const costs = await Promise.allSettled(jobs.map((j) => decodeCost(j.source, this.opts.limits)));
    const results: Settled[] = costs.map((c) => (c.status === 'rejected' ? c : { status: 'rejected', reason: undefined }));
    let group: number[] = [];
    let groupPixels = 0;
    const runGroup = async () => {
      if (group.length === 0) return;
      const ticket = await this.opts.admission.reserve(group.length, groupPixels, signal);
      try {
        const settled = await this.run(
          group.map((i) => jobs[i]),
          () => (signal?.aborted ? { reason: signal.reason } : undefined),
        );
        group.forEach((i, k) => (results[i] = settled[k]));
      } finally {
        ticket.release();
      }
      group = [];
      groupPixels = 0;
    };
    for (const [i, c] of costs.entries()) {
      if (c.status === 'rejected') continue;
      if (group.length > 0 && groupPixels + c.value > this.opts.maxRequestPixels) await runGroup();
      group.push(i);
      groupPixels += c.value;
    }
    await runGroup();
    return results;
  }

  /**
   * Runs the jobs in the shared queue, in order; once `stopped` gives a reason, the jobs not
   * started are rejected with it. `onFail` is told of each job that fails.
   */
  private run(jobs: readonly AnalyzeJob[], stopped: () => { reason: unknown } | undefined, onFail?: () => void): Promise<Settled[]> {
    return Promise.all(
      jobs.map(async (job): Promise<Settled> => {
        await this.slots.acquire();
        try {
          const stop = stopped();
          if (stop) return { status: 'rejected', reason: stop.reason };
          return { status: 'fulfilled', value: await this.opts.analyze(job) };
        } catch (err) {
          onFail?.();
          return { status: 'rejected', reason: err };
        } finally {
          this.slots.release();
        }
      }),
    );
  }
}
