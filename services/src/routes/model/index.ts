/**
 * GET /v1/model: the loaded model's metadata.json (as the shared schema parsed it) and how it
 * runs here.
 */
import type { FastifyInstance } from 'fastify';

export default async function modelRoutes(app: FastifyInstance): Promise<void> {
  app.get('/v1/model', async () => {
    const { model, preprocessor, config, batcher } = app.fer;
    const { detector } = preprocessor;
    return {
      ...model.metadata,
      runtime: {
        device: config.device,
        provider: model.session.provider,
        threads: config.threads,
        sequenceHead: model.hasSequence,
        detector: { model: `blazeface-${detector.inputSize}`, models: detector.models, provider: detector.provider, minScore: config.minFaceScore, faces: config.faces, minFaceSize: config.minFaceSize },
        preprocessWorkers: preprocessor.threads,
        batching: { maxBatch: config.maxBatch, maxQueueDelayMs: config.maxQueueDelayMs, maxQueue: config.maxQueue, ...batcher.getStats() },
      },
    };
  });
}
