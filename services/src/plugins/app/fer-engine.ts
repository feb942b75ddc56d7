/**
 * What `app.fer` runs on, opened once: the expression model (checked against its metadata, on
 * a worker thread of its own), the preprocessing workers (decode, BlazeFace, crop), the
 * admission of images within the pixel budgets and the dynamic batcher, each stage counted in
 * `app.metrics`. A model or detector that cannot be opened fails, releasing what was opened.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../../config.js';
import { loadModel, type LoadedModel } from '../../model/load-model.js';
import { bundledDetectorPath } from '../../pipeline/detect/index.js';
import { DynamicBatcher } from '../../pipeline/batch.js';
import { Classifier, ROW_SIZE } from '../../pipeline/infer.js';
import { openPreprocessor, type Preprocessor } from '../../pipeline/preprocess.js';
import { Admission } from '../../pipeline/admission.js';
import { ImageRunner } from '../../pipeline/run-images.js';
import type { ServiceMetrics } from './metrics.js';

export interface Engine {
  model: LoadedModel;
  classifier: Classifier;
  preprocessor: Preprocessor;
  batcher: DynamicBatcher;
  admission: Admission;
  runner: ImageRunner;
  /** Whether a remote v2 server runs the model (it warms itself up). */
  remote: boolean;
}

export async function openEngine(config: Config, metrics: ServiceMetrics, log: FastifyBaseLogger): Promise<Engine> {
  const remote = config.inferenceUrl ? { url: config.inferenceUrl, timeoutMs: config.inferenceTimeoutMs, retries: config.inferenceRetries } : undefined;
  const model = await loadModel(config.modelDir, { device: config.device, threads: config.threads, log, inWorker: true, remote });
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
      log,
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
  metrics.watchQueue('inference', () => batcher.getStats().queued);
  metrics.watchQueue('preprocess', () => admission.load.images + admission.load.waiting);
  metrics.provider.set({ model: model.metadata.name, role: 'classifier', provider: model.session.provider }, 1);
  metrics.provider.set({ model: `blazeface-${preprocessor.detector.inputSize}`, role: 'detector', provider: preprocessor.detector.provider }, 1);
  return { model, classifier, preprocessor, batcher, admission, runner, remote: remote !== undefined };
}

/** `f()`, counting the `n` items refused when a queue is full. */
export async function counted<T>(metrics: ServiceMetrics, queue: 'inference' | 'preprocess', n: number, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    if ((err as { code?: string }).code === 'FER_ERR_QUEUE_FULL') metrics.queueRejected.inc({ queue }, n);
    throw err;
  }
}

/** Releases everything: the queued batches run first. */
export async function closeEngine(e: Engine): Promise<void> {
  await e.batcher.close();
  await Promise.allSettled([e.model.session.release(), e.preprocessor.close()]);
}
