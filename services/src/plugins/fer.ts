/**
 * Opens what the request path needs, once: the expression model (checked against its metadata,
 * run on a worker thread of its own), the preprocessing workers (decode, BlazeFace, crop) and
 * the dynamic batcher, and decorates the instance with them as `app.fer`. A model that cannot be
 * loaded fails the registration, so the server never starts.
 * Warm-up (one run per batch size 1, 2, 4, ..., max-batch) runs once the server is ready;
 * /readyz says 503 until it is done, and again once closing has begun, when new requests other
 * than health checks are refused.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { NotReadyError } from '../errors.js';
import { loadModel, type LoadedModel } from '../model/load-model.js';
import { bundledDetectorPath } from '../pipeline/detect/index.js';
import { DynamicBatcher } from '../pipeline/batch.js';
import { Classifier, NUM_OUTPUTS, ROW_SIZE, type SequenceOutput } from '../pipeline/infer.js';
import type { AnalyzeJob, AnalyzedImage } from '../pipeline/analyze.js';
import { openPreprocessor, type Preprocessor } from '../pipeline/preprocess.js';
import { Admission } from '../pipeline/admission.js';
import { ImageRunner } from '../pipeline/run-images.js';
import type { ModelJson } from '../pipeline/respond.js';
import { batchBuckets } from './metrics.js';
import { OPEN_ROUTES } from './auth.js';

export interface FerState {
  ready: boolean;
  draining: boolean;
  warmupError?: string;
  /** Milliseconds the warm-up took. */
  warmupMs?: number;
}

export interface Fer {
  config: Config;
  model: LoadedModel;
  classifier: Classifier;
  preprocessor: Preprocessor;
  batcher: DynamicBatcher;
  /** Images admitted to the per-image stages (decoding or waiting), over all requests. */
  admission: Admission;
  state: FerState;
  /** Decode, detect and crop one image (on a preprocessing worker); 503 when too many are in flight. */
  analyze(job: AnalyzeJob, signal?: AbortSignal): Promise<AnalyzedImage>;
  /**
   * The images of one request, admitted whole (or 503 at once) within the pixel budgets; the
   * first bad image fails the request and cancels the rest, as does `signal`.
   */
  analyzeAll(jobs: readonly AnalyzeJob[], signal?: AbortSignal): Promise<AnalyzedImage[]>;
  /** Each image on its own (a failure is that image's result), in admitted groups; `signal` cancels. */
  analyzeEach(jobs: readonly AnalyzeJob[], signal?: AbortSignal): Promise<PromiseSettledResult<AnalyzedImage>[]>;
  /** Probabilities of each crop, through the dynamic batcher; crops of a cancelled request are dropped. */
  classify(crops: readonly Uint8Array[], signal?: AbortSignal): Promise<Float32Array[]>;
  /** Logits then probabilities (`ROW_SIZE` values) of each normalized `[C,H,W]` tensor, through the same batcher. */
  infer(tensors: readonly Float32Array[]): Promise<Float32Array[]>;
  /** Ready to serve: warmed up, not closing, and the remote inference server (if any) ready. */
  isReady(): Promise<boolean>;
  /** The LSTM head over the normalized frames of one clip. */
  classifySequence(frames: Float32Array, t: number): Promise<SequenceOutput>;
  /** The `model` object of prediction responses. */
  modelJson: ModelJson;
}

declare module 'fastify' {
  interface FastifyInstance {
    fer: Fer;
  }
}

/** From now on /readyz says 503 and new requests other than the health probes are refused. */
export function beginDrain(state: FerState): void {
  state.draining = true;
  state.ready = false;
}

async function ferPlugin(app: FastifyInstance, opts: { config: Config }): Promise<void> {
  const { config } = opts;
  const metrics = app.metrics;
  const remote = config.inferenceUrl ? { url: config.inferenceUrl, timeoutMs: config.inferenceTimeoutMs, retries: config.inferenceRetries } : undefined;
  const model = await loadModel(config.modelDir, { device: config.device, threads: config.threads, log: app.log, inWorker: true, remote });
  let preprocessor: Preprocessor;
  try {
    preprocessor = await openPreprocessor(
      config.workers,
      {
        detectorPaths: { front: bundledDetectorPath('front'), back: bundledDetectorPath('back'), ...(config.detectorModel ? { [config.detector]: config.detectorModel } : {}) },
        near: config.detector,
        session: { device: config.device, threads: 1 },
        detector: { minScore: config.minFaceScore },
        faces: { strategy: config.faces, minFaceSize: config.minFaceSize },
        spec: model.metadata.preprocessing,
        maxPixels: config.maxPixels,
      },
      app.log,
    );
  } catch (err) {
    await model.session.release();
    throw err;
  }
  const classifier = new Classifier(model);
  const batcher = new DynamicBatcher({
    maxBatchSize: config.maxBatch,
    maxDelayMs: config.maxQueueDelayMs,
    maxQueue: config.maxQueue,
    spec: model.metadata.preprocessing,
    outputSize: ROW_SIZE,
    run: (batch, n) => classifier.infer(batch, n),
    onBatch: (n, seconds) => {
      metrics.batchSize.observe(n);
      metrics.inference.observe({ kind: 'image' }, seconds);
    },
  });
  const state: FerState = { ready: false, draining: false };

  const admission = new Admission({ maxImages: config.maxPreprocessQueue, maxWaitingImages: config.maxWaitingImages, maxPixels: config.maxInflightPixels });
  const runner = new ImageRunner({
    admission,
    limits: { maxPixels: config.maxPixels, maxSide: config.maxSide, maxAspect: config.maxAspect },
    // A request must fit the pixel budget in flight, or it could never be admitted within it.
    maxRequestPixels: Math.min(config.maxRequestPixels, config.maxInflightPixels),
    concurrency: Math.max(8, 4 * preprocessor.threads),
    analyze: async (job) => {
      const a = await preprocessor.analyze(job);
      metrics.facesPerImage.observe(a.faces.length);
      if (job.source.kind === 'bytes') metrics.stage.observe({ stage: 'decode' }, a.times.decodeMs / 1000);
      if (job.mode !== 'never') metrics.stage.observe({ stage: 'detect' }, a.times.detectMs / 1000);
      metrics.stage.observe({ stage: 'align' }, a.times.alignMs / 1000);
      return a;
    },
  });
  const admitted = async <T>(n: number, f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (err) {
      if ((err as { code?: string }).code === 'FER_ERR_QUEUE_FULL') metrics.queueRejected.inc({ queue: 'preprocess' }, n);
      throw err;
    }
  };
  const analyzeAll = (jobs: readonly AnalyzeJob[], signal?: AbortSignal) => admitted(jobs.length, () => runner.all(jobs, signal));
  const analyzeEach = (jobs: readonly AnalyzeJob[], signal?: AbortSignal) => admitted(jobs.length, () => runner.each(jobs, signal));
  const analyze = async (job: AnalyzeJob, signal?: AbortSignal): Promise<AnalyzedImage> => (await analyzeAll([job], signal))[0];
  /** A batcher submit of `n` items, counted when the queue refuses them. */
  const queued = async (n: number, submit: () => Promise<Float32Array[]>): Promise<Float32Array[]> => {
    try {
      return await submit();
    } catch (err) {
      if ((err as { code?: string }).code === 'FER_ERR_QUEUE_FULL') metrics.queueRejected.inc({ queue: 'inference' }, n);
      throw err;
    }
  };
  const classify = async (crops: readonly Uint8Array[], signal?: AbortSignal) => (await queued(crops.length, () => batcher.submit(crops, signal))).map((row) => row.subarray(NUM_OUTPUTS));
  const infer = (tensors: readonly Float32Array[]) => queued(tensors.length, () => batcher.submitNormalized(tensors));
  const isReady = async () => state.ready && (model.session.ready ? await model.session.ready() : true);
  const classifySequence = async (frames: Float32Array, t: number): Promise<SequenceOutput> => {
    const end = metrics.inference.startTimer({ kind: 'sequence' });
    try {
      return await classifier.classifySequence(frames, t);
    } finally {
      end();
    }
  };

  const fer: Fer = {
    config,
    model,
    classifier,
    preprocessor,
    batcher,
    admission,
    state,
    analyze,
    analyzeAll,
    analyzeEach,
    classify,
    infer,
    isReady,
    classifySequence,
    modelJson: { name: model.metadata.name, variant: model.metadata.variant, provider: model.session.provider },
  };
  app.decorate('fer', fer);
  metrics.watchQueue('inference', () => batcher.getStats().queued);
  metrics.watchQueue('preprocess', () => admission.load.images + admission.load.waiting);
  metrics.watchReadiness(() => state.ready);
  metrics.provider.set({ model: model.metadata.name, role: 'classifier', provider: model.session.provider }, 1);
  metrics.provider.set({ model: `blazeface-${preprocessor.detector.inputSize}`, role: 'detector', provider: preprocessor.detector.provider }, 1);
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
    if (!config.warmup || remote) {
      state.ready = true;
      return;
    }
    // Not awaited: the server listens meanwhile and /readyz answers 503 until this ends.
    const t0 = performance.now();
    const sizes = batchBuckets(config.maxBatch);
    void classifier
      .warmup(sizes)
      .then(() => {
        state.warmupMs = Math.round(performance.now() - t0);
        state.ready = !state.draining;
        app.log.info({ ms: state.warmupMs, batchSizes: sizes }, 'model warmed up; ready');
      })
      .catch((err: unknown) => {
        state.warmupError = (err as Error).message;
        app.log.error({ err }, 'warm-up failed; the service stays not ready');
      });
  });

  app.addHook('onRequest', async (req) => {
    if (state.draining && !OPEN_ROUTES.has(req.routeOptions.url ?? '')) throw new NotReadyError();
  });

  // While closing, finish each response by closing its connection, so keep-alive sockets do not
  // hold the close up until their idle timeout.
  app.addHook('onSend', async (_req, reply) => {
    if (state.draining) reply.header('connection', 'close');
  });

  app.addHook('preClose', async () => beginDrain(state));

  app.addHook('onClose', async () => {
    await batcher.close();
    await Promise.allSettled([model.session.release(), preprocessor.close()]);
  });
}

export default fp(ferPlugin, { name: 'fer', fastify: '5.x', dependencies: ['metrics'] });
