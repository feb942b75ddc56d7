/**
 * Where the per-image stages (analyze.ts: decode, detect, align) run. `PreprocessPool` spreads
 * the jobs that detect faces over worker threads, each with its own BlazeFace sessions, so the
 * main thread only parses HTTP, batches and answers; `InlinePreprocessor` runs everything on the
 * main thread (workers 0). Measured under load with 640x480 photos: on the main thread,
 * BlazeFace's onnxruntime runs (synchronous in onnxruntime-node) and the face sampling held the
 * event loop for a p99 delay near 200 ms; see services/README.md.
 * Jobs with detect=never stay on the main thread even with a pool: a crop is decoded by a sharp
 * call on libuv's threads, then a pixel loop over the model-sized crop; sending them to a worker would cost more
 * main-thread time (two messages) than it saves.
 */
import type { PreprocessingSpec } from '@amft/shared';
import type { SessionOptions } from '../inference/session.js';
import { siblingModule, ThreadClient, type ThreadLog } from '@amft/shared/threads';
import { analyze, type AnalyzeJob, type AnalyzedImage } from './analyze.js';
import { FaceDetector, type DetectorOptions, type DetectorVariant, type Detectors, type FaceOptions } from './detect/index.js';

export interface DetectorInfo {
  /** Input side of the `near` strategy's BlazeFace model, 128 or 256. */
  inputSize: number;
  provider: string;
  /** The detector models loaded (both BlazeFace variants). */
  models: string[];
}

export interface Preprocessor {
  readonly detector: DetectorInfo;
  /** Worker threads; 0 when the stages run on the main thread. */
  readonly threads: number;
  analyze(job: AnalyzeJob): Promise<AnalyzedImage>;
  close(): Promise<void>;
}

export interface PreprocessOptions {
  /** ONNX files of the two BlazeFace variants. */
  detectorPaths: Record<DetectorVariant, string>;
  /** The variant of the `near` strategy. */
  near: DetectorVariant;
  /** Options of the detectors' sessions (each worker opens its own, on its own thread). */
  session: Omit<SessionOptions, 'log'>;
  detector: DetectorOptions;
  /** Detection strategy of requests that do not name one. */
  faces: FaceOptions;
  spec: PreprocessingSpec;
  maxPixels: number;
}

/**
 * Opens both detectors and runs each once on a blank input, so the first request does not pay
 * for onnxruntime's first run.
 */
export async function openDetectors(opts: PreprocessOptions, log?: ThreadLog): Promise<Detectors> {
  const open = (v: DetectorVariant) => FaceDetector.open(opts.detectorPaths[v], { ...opts.session, log }, opts.detector);
  const [front, back] = await Promise.all([open('front'), open('back')]);
  for (const d of [front, back]) await d.run(new Float32Array(d.inputSize * d.inputSize * 3));
  return { front, back, near: opts.near === 'front' ? front : back };
}

export function detectorInfo(d: Detectors): DetectorInfo {
  return { inputSize: d.near.inputSize, provider: d.near.provider, models: [d.front.name, d.back.name] };
}

export async function closeDetectors(d: Detectors): Promise<void> {
  await Promise.allSettled([d.front.release(), d.back.release()]);
}

export class InlinePreprocessor implements Preprocessor {
  readonly threads = 0;
  private constructor(
    private readonly detectors: Detectors,
    private readonly opts: PreprocessOptions,
  ) {}

  static async open(opts: PreprocessOptions, log?: ThreadLog): Promise<InlinePreprocessor> {
    return new InlinePreprocessor(await openDetectors(opts, log), opts);
  }

  get detector(): DetectorInfo {
    return detectorInfo(this.detectors);
  }

  analyze(job: AnalyzeJob): Promise<AnalyzedImage> {
    return analyze(job, { detectors: this.detectors, spec: this.opts.spec, maxPixels: this.opts.maxPixels, faces: this.opts.faces });
  }

  close(): Promise<void> {
    return closeDetectors(this.detectors);
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

  /**
   * Runs the job on the worker with the fewest jobs in flight (its bytes moved there when the
   * caller gives them up and they are a whole buffer: a view of part of one, e.g. Node's pool
   * of small buffers, is copied); detect=never here.
   */
  analyze(job: AnalyzeJob): Promise<AnalyzedImage> {
    if (job.mode === 'never') return analyze(job, { spec: this.opts.spec, maxPixels: this.opts.maxPixels, faces: this.opts.faces });
    let w = this.workers[0];
    for (const x of this.workers) if (x.inFlight < w.inFlight) w = x;
    const src = job.source;
    const whole = src.kind === 'bytes' && src.give && src.bytes.byteOffset === 0 && src.bytes.buffer instanceof ArrayBuffer && src.bytes.byteLength === src.bytes.buffer.byteLength;
    return w.call(job, whole ? [src.bytes.buffer as ArrayBuffer] : []);
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.workers.map((w) => w.close()));
  }
}

/** A pool of `workers` threads, or the main thread when `workers` is 0. */
export function openPreprocessor(workers: number, opts: PreprocessOptions, log?: ThreadLog): Promise<Preprocessor> {
  return workers > 0 ? PreprocessPool.start(workers, opts, log) : InlinePreprocessor.open(opts, log);
}
