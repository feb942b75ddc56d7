/**
 * POST /predict: one or more images (multipart files, or one raw image body) -> the faces in
 * each, with their expression. Query `detect`: auto (default; no face found in a crop-sized
 * image -> the whole image, said in `detection`), always (zero faces is an answer), never (each
 * image is a face crop); `faces` (near|all) and `minFaceSize`: the detection strategy.
 * Every image is decoded and cropped (in parallel, on the preprocessing workers) before any
 * inference, so one bad image fails the request with a 4xx naming it (the first bad one in the
 * order sent); the faces of all images go to the batcher together.
 * Query, bodies and responses: schemas/predict.ts.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { BadParameterError } from '../../errors.js';
import { faceOptions } from '../../http/detect-query.js';
import { readImages, routeUploadLimits, uploadName } from '../../http/uploads.js';
import { annotateImage, wantsAnnotation } from '../../pipeline/annotate.js';
import { faceJson, Timings } from '../../pipeline/respond.js';
import { predictSchema, type ImageResult } from '../../schemas/index.js';

export default async function predictRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { config } = app;
  const limits = routeUploadLimits(config).predict;
  app.post('/predict', { schema: predictSchema }, async (req, reply) => {
    const { analyzeAll, classify, describe } = app.fer;
    const { detect, annotate } = req.query;
    const faces = faceOptions(req.query, config);
    const uploads = await readImages(req, limits);
    const drawn = wantsAnnotation(annotate, req.headers.accept);
    if (drawn && uploads.length !== 1) throw new BadParameterError(`annotate: draws one image per request, ${uploads.length} were sent`);
    const timings = new Timings();
    const analyzed = await analyzeAll(
      // The bytes are given up (moved to a preprocessing worker, not copied) unless drawn on after.
      uploads.map((u, i) => ({ source: { kind: 'bytes', bytes: u.data, name: uploadName(u, i), declaredType: u.mimetype, give: !drawn }, mode: detect, faces })),
      req.work,
    );
    for (const a of analyzed) timings.add(a.times);
    const probs = await timings.time('inferMs', () => classify(analyzed.flatMap((a) => a.crops), req.work));
    let k = 0;
    const results: ImageResult[] = analyzed.map((a) => ({
      width: a.width,
      height: a.height,
      detection: a.detection,
      faces: a.faces.map((f) => faceJson(f, probs[k++])),
    }));
    if (drawn) return reply.type('image/png').send(await annotateImage(uploads[0].data, results[0].faces, { maxPixels: config.maxPixels }));
    return { results, model: describe().model, timings: timings.toJSON() };
  });
}
