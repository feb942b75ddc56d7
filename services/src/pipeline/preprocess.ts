/**
 * Where the per-image stages (analyze.ts: decode, detect, align) run. `PreprocessPool` spreads
 * the jobs that detect faces over worker threads, each with its own BlazeFace session, so the
 * main thread only parses HTTP, batches and answers; `InlinePreprocessor` runs everything on the
 * main thread (workers 0). Measured under load with 640x480 photos: on the main thread,
 * BlazeFace's onnxruntime runs (synchronous in onnxruntime-node) and the face sampling held the
 * event loop for a p99 delay near 200 ms; see services/README.md.
 * Jobs with detect=never stay on the main thread even with a pool: they are sharp calls, which
 * run on libuv's threads, plus a pixel loop over the model-sized crop, and sending them to a
 * worker would cost more main-thread time (two messages) than it saves.
 */
import type { PreprocessingSpec } from '@amft/shared';
import type { SessionOptions } from '../inference/session.js';
import { siblingModule, ThreadClient, type ThreadLog } from '../threads.js';
import { analyze, type AnalyzeJob, type AnalyzedImage } from './analyze.js';
import { FaceDetector, type DetectorOptions } from './detect.js';

export interface DetectorInfo {
  /** BlazeFace input side, 128 or 256. */
  inputSize: number;
  provider: string;
}

export interface Preprocessor {
  readonly detector: DetectorInfo;
  /** Worker threads; 0 when the stages run on the main thread. */
  readonly threads: number;
  analyze(job: AnalyzeJob): Promise<AnalyzedImage>;
  close(): Promise<void>;
}

export interface PreprocessOptions {
  detectorPath: string;
  /** Options of the detector's session (each worker opens its own, on its own thread). */
  session: Omit<SessionOptions, 'log'>;
  detector: DetectorOptions;
  spec: PreprocessingSpec;
  maxPixels: number;
}

/** One detection on a blank image, so the first request does not pay for onnxruntime's first run. */
export async function warmup(face: FaceDetector): Promise<void> {
  await face.detect({ data: Buffer.alloc(64 * 64 * 3, 128), width: 64, height: 64, format: 'raw' });
}

export class InlinePreprocessor implements Preprocessor {
  readonly threads = 0;
  private constructor(
    private readonly face: FaceDetector,
    private readonly opts: PreprocessOptions,
  ) {}

  static async open(opts: PreprocessOptions, log?: ThreadLog): Promise<InlinePreprocessor> {
    const face = await FaceDetector.open(opts.detectorPath, { ...opts.session, log }, opts.detector);
    await warmup(face);
    return new InlinePreprocessor(face, opts);
  }

  get detector(): DetectorInfo {
    return { inputSize: this.face.inputSize, provider: this.face.provider };
  }

  analyze(job: AnalyzeJob): Promise<AnalyzedImage> {
    return analyze(job, { detector: this.face, spec: this.opts.spec, maxPixels: this.opts.maxPixels });
  }

  close(): Promise<void> {
    return this.face.release();
  }
}

type Thread = ThreadClient<DetectorInfo, AnalyzeJob, AnalyzedImage>;

export class PreprocessPool implements Preprocessor {
  private constructor(
    private readonly workers: Thread[],
    private readonly opts: PreprocessOptions,
  ) {}

  /** Starts `size` workers and waits until each has opened and warmed up its detector. */
  static async start(size: number, opts: PreprocessOptions, log?: ThreadLog): Promise<PreprocessPool> {
    if (size < 1) throw new RangeError('a preprocessing pool needs at least one worker');
    const started = await Promise.allSettled(
      Array.from({ length: size }, (_, i) => ThreadClient.start<DetectorInfo, AnalyzeJob, AnalyzedImage>(siblingModule(import.meta.url, 'preprocess-thread'), opts, { log, name: `preprocess-${i + 1}` })),
    );
    const workers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      await Promise.allSettled(workers.map((w) => w.close()));
      throw failed.reason;
    }
    return new PreprocessPool(workers, opts);
  }

  get threads(): number {
    return this.workers.length;
  }

  get detector(): DetectorInfo {
    return this.workers[0].info;
  }

  /** Runs the job on the worker with the fewest jobs in flight; detect=never here. */
  analyze(job: AnalyzeJob): Promise<AnalyzedImage> {
    if (job.mode === 'never') return analyze(job, { spec: this.opts.spec, maxPixels: this.opts.maxPixels });
    let w = this.workers[0];
    for (const x of this.workers) if (x.inFlight < w.inFlight) w = x;
    return w.call(job);
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.workers.map((w) => w.close()));
  }
}

/** A pool of `workers` threads, or the main thread when `workers` is 0. */
export function openPreprocessor(workers: number, opts: PreprocessOptions, log?: ThreadLog): Promise<Preprocessor> {
  return workers > 0 ? PreprocessPool.start(workers, opts, log) : InlinePreprocessor.open(opts, log);
}
