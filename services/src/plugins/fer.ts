/**
 * Opens what the request path needs, once: the expression model (checked against its metadata),
 * the BlazeFace detector and the dynamic batcher, and decorates the instance with them as
 * `app.fer`. A model that cannot be loaded fails the registration, so the server never starts.
 * Warm-up runs after the server is ready; /readyz says 503 until it is done, and again once
 * closing has begun, when new requests other than health checks are refused.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { NotReadyError } from '../errors.js';
import { loadModel, type LoadedModel } from '../model/load-model.js';
import { bundledDetectorPath, FaceDetector } from '../pipeline/detect.js';
import { DynamicBatcher } from '../pipeline/batch.js';
import { Classifier, NUM_OUTPUTS } from '../pipeline/infer.js';
import type { AnalyzeDeps } from '../pipeline/analyze.js';
import type { ModelJson } from '../pipeline/respond.js';

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
  detector: FaceDetector;
  batcher: DynamicBatcher;
  state: FerState;
  /** What the per-image stages need. */
  deps: AnalyzeDeps;
  /** The `model` object of prediction responses. */
  modelJson: ModelJson;
}

declare module 'fastify' {
  interface FastifyInstance {
    fer: Fer;
  }
}

const HEALTH_ROUTES = new Set(['/healthz', '/readyz']);

async function ferPlugin(app: FastifyInstance, opts: { config: Config }): Promise<void> {
  const { config } = opts;
  const sessionOpts = { device: config.device, threads: config.threads, log: app.log };
  const model = await loadModel(config.modelDir, sessionOpts);
  let detector: FaceDetector;
  try {
    detector = await FaceDetector.open(config.detectorModel ?? bundledDetectorPath(config.detector), sessionOpts, { minScore: config.minFaceScore });
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
    outputSize: NUM_OUTPUTS,
    run: (batch, n) => classifier.classify(batch, n),
  });
  const state: FerState = { ready: false, draining: false };
  const fer: Fer = {
    config,
    model,
    classifier,
    detector,
    batcher,
    state,
    deps: { detector, spec: model.metadata.preprocessing, maxPixels: config.maxPixels },
    modelJson: { name: model.metadata.name, variant: model.metadata.variant, provider: model.session.provider },
  };
  app.decorate('fer', fer);
  app.log.info(
    { model: model.metadata.name, variant: model.metadata.variant, dir: model.dir, provider: model.session.provider, sequenceHead: model.hasSequence, detector: detector.inputSize, detectorProvider: detector.provider },
    'model loaded',
  );

  app.addHook('onReady', async () => {
    if (!config.warmup) {
      state.ready = true;
      return;
    }
    // Not awaited: the server listens meanwhile and /readyz answers 503 until this ends.
    const t0 = performance.now();
    void classifier
      .warmup()
      .then(() => {
        state.warmupMs = Math.round(performance.now() - t0);
        state.ready = true;
        app.log.info({ ms: state.warmupMs }, 'model warmed up; ready');
      })
      .catch((err: unknown) => {
        state.warmupError = (err as Error).message;
        app.log.error({ err }, 'warm-up failed; the service stays not ready');
      });
  });

  app.addHook('onRequest', async (req) => {
    if (state.draining && !HEALTH_ROUTES.has(req.routeOptions.url ?? '')) throw new NotReadyError();
  });

  // While closing, finish each response by closing its connection, so keep-alive sockets do not
  // hold the close up until their idle timeout.
  app.addHook('onSend', async (_req, reply) => {
    if (state.draining) reply.header('connection', 'close');
  });

  app.addHook('preClose', async () => {
    state.draining = true;
    state.ready = false;
  });

  app.addHook('onClose', async () => {
    await batcher.close();
    await Promise.allSettled([model.session.release(), detector.release()]);
  });
}

export default fp(ferPlugin, { name: 'fer', fastify: '5.x' });
