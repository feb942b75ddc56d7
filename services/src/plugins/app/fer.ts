/**
 * The request path's one door, decorated as `app.fer`: analyze (decode, detect and crop images
 * on the preprocessing workers), classify (crops through the dynamic batcher), classifySequence
 * (the LSTM head over a clip), infer (normalized tensors, for /v2) and describe() (the model
 * and how it runs). Routes see nothing else of the model, the workers or the batcher
 * (fer-engine.ts opens those). A model that cannot be loaded fails the registration, so the
 * server never starts.
 * Warm-up (one run per batch size 1, 2, 4, ..., max-batch) runs once the server is ready;
 * /readyz says 503 until it is done, and again once draining has begun (plugins/app/drain.ts).
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { ModelMetadata } from '@amft/shared';
import type { IoInfo } from '../../inference/session.js';
import { NUM_OUTPUTS, type SequenceOutput } from '../../pipeline/infer.js';
import type { AnalyzeJob, AnalyzedImage } from '../../pipeline/analyze.js';
import type { ModelRef, Readiness, Runtime } from '../../schemas/index.js';
import { batchBuckets } from './metrics.js';
import { closeEngine, counted, openEngine } from './fer-engine.js';

/** The model and how it runs here, as the routes describe it. */
export interface FerDescription {
  metadata: ModelMetadata;
  /** The `model` object of prediction responses. */
  model: ModelRef;
  hasSequence: boolean;
  /** The per-image input is the clip input (`[N,1,C,H,W]`). */
  imageAsClip: boolean;
  /** The graph's inputs and outputs as onnxruntime reports them. */
  graph: { inputNames: readonly string[]; inputs: readonly IoInfo[]; outputs: readonly IoInfo[] };
  runtime: Runtime;
  /** Images being decoded now, over all requests. */
  imagesInFlight: number;
}

export interface Fer {
  /** Decode, detect and crop one image (on a preprocessing worker); 503 when too many are in flight. */
  analyze(job: AnalyzeJob, signal?: AbortSignal): Promise<AnalyzedImage>;
  /** The images of one request, admitted whole (or 503 at once) within the pixel budgets; the first bad image fails the request and cancels the rest, as does `signal`. */
  analyzeAll(jobs: readonly AnalyzeJob[], signal?: AbortSignal): Promise<AnalyzedImage[]>;
  /** Each image on its own (a failure is that image's result), in admitted groups; `signal` cancels. */
  analyzeEach(jobs: readonly AnalyzeJob[], signal?: AbortSignal): Promise<PromiseSettledResult<AnalyzedImage>[]>;
  /** Probabilities of each crop, through the dynamic batcher; crops of a cancelled request are dropped. */
  classify(crops: readonly Uint8Array[], signal?: AbortSignal): Promise<Float32Array[]>;
  /** The LSTM head over the normalized frames of one clip; undefined when the model has none. */
  classifySequence: ((frames: Float32Array, t: number) => Promise<SequenceOutput>) | undefined;
  /** Logits then probabilities (`ROW_SIZE` values) of each normalized `[C,H,W]` tensor, through the same batcher. */
  infer(tensors: readonly Float32Array[]): Promise<Float32Array[]>;
  /** Ready to serve: warmed up, not draining, and the remote inference server (if any) ready. */
  isReady(): Promise<boolean>;
  /** The /readyz answer. */
  readiness(): Promise<Readiness>;
  describe(): FerDescription;
}

declare module 'fastify' {
  interface FastifyInstance {
    fer: Fer;
  }
}

async function ferPlugin(app: FastifyInstance): Promise<void> {
  const { config, metrics, drain } = app;
  const e = await openEngine(config, metrics, app.log);
  const { model, classifier, preprocessor, batcher, admission, runner } = e;
  const warm: { done: boolean; error?: string; ms?: number } = { done: false };

  const analyzeAll = (jobs: readonly AnalyzeJob[], signal?: AbortSignal) => counted(metrics, 'preprocess', jobs.length, () => runner.all(jobs, signal));
  const isReady = async () => warm.done && !drain.draining && (model.session.ready ? await model.session.ready() : true);
  const modelRef: ModelRef = { name: model.metadata.name, variant: model.metadata.variant, provider: model.session.provider };
  const fer: Fer = {
    analyze: async (job, signal) => (await analyzeAll([job], signal))[0],
    analyzeAll,
    analyzeEach: (jobs, signal) => counted(metrics, 'preprocess', jobs.length, () => runner.each(jobs, signal)),
    classify: async (crops, signal) => (await counted(metrics, 'inference', crops.length, () => batcher.submit(crops, signal))).map((row) => row.subarray(NUM_OUTPUTS)),
    classifySequence: model.hasSequence
      ? async (frames, t) => {
          const end = metrics.inference.startTimer({ kind: 'sequence' });
          try {
            return await classifier.classifySequence(frames, t);
          } finally {
            end();
          }
        }
      : undefined,
    infer: (tensors) => counted(metrics, 'inference', tensors.length, () => batcher.submitNormalized(tensors)),
    isReady,
    readiness: async () => {
      const ready = await isReady();
      const status = ready ? 'ready' : drain.draining ? 'closing' : warm.error ? 'failed' : warm.done ? 'remote-unavailable' : 'starting';
      return { status, model: model.metadata.name, provider: model.session.provider, detectorProvider: preprocessor.detector.provider, ...(warm.ms !== undefined ? { warmupMs: warm.ms } : {}) };
    },
    describe: () => {
      const { detector } = preprocessor;
      return {
        metadata: model.metadata,
        model: modelRef,
        hasSequence: model.hasSequence,
        imageAsClip: model.imageAsClip,
        graph: { inputNames: model.session.inputNames, inputs: model.session.inputs, outputs: model.session.outputs },
        runtime: {
          device: config.device,
          provider: model.session.provider,
          threads: config.threads,
          sequenceHead: model.hasSequence,
          detector: { model: `blazeface-${detector.inputSize}` as Runtime['detector']['model'], models: detector.models, provider: detector.provider, minScore: config.minFaceScore, faces: config.faces, minFaceSize: config.minFaceSize },
          preprocessWorkers: preprocessor.threads,
          batching: { maxBatch: config.maxBatch, maxQueueDelayMs: config.maxQueueDelayMs, maxQueue: config.maxQueue, ...batcher.getStats() },
        },
        imagesInFlight: admission.load.images,
      };
    },
  };
  app.decorate('fer', fer);
  metrics.watchReadiness(() => warm.done && !drain.draining);
  app.log.info(
    {
      model: model.metadata.name,
      variant: model.metadata.variant,
      dir: model.dir,
      provider: model.session.provider,
      providerReason: model.session.providerReason,
      sequenceHead: model.hasSequence,
      detector: preprocessor.detector.inputSize,
      detectorModels: preprocessor.detector.models,
      faces: config.faces,
      minFaceSize: config.minFaceSize,
      detectorProvider: preprocessor.detector.provider,
      preprocessWorkers: preprocessor.threads,
    },
    'model loaded',
  );

  app.addHook('onReady', async () => {
    // A remote server warms itself up; readiness then follows its /v2/health/ready (isReady).
    if (!config.warmup || e.remote) {
      warm.done = true;
      return;
    }
    // Not awaited: the server listens meanwhile and /readyz answers 503 until this ends.
    const t0 = performance.now();
    const sizes = batchBuckets(config.maxBatch);
    void classifier
      .warmup(sizes)
      .then(() => {
        warm.ms = Math.round(performance.now() - t0);
        warm.done = true;
        app.log.info({ ms: warm.ms, batchSizes: sizes }, 'model warmed up; ready');
      })
      .catch((err: unknown) => {
        warm.error = (err as Error).message;
        app.log.error({ err }, 'warm-up failed; the service stays not ready');
      });
  });
  app.addHook('onClose', async () => closeEngine(e));
}

export default fp(ferPlugin, { name: 'fer', fastify: '5.x', dependencies: ['metrics', 'drain'] });
