/**
 * POST /predict: one or more images (multipart files, or one raw image body) -> the faces in
 * each, with their expression. Query `detect`: auto (default; no face found in a crop-sized
 * image -> the whole image, said in `detection`), always (zero faces is an answer), never (each
 * image is a face crop); `faces` (near|all) and `minFaceSize`: the detection strategy.
 * Every image is decoded and cropped (in parallel, on the preprocessing workers) before any
 * inference, so one bad image fails the request with a 4xx naming it (the first bad one in the
 * order sent); the faces of all images go to the batcher together.
 */
import type { FastifyInstance } from 'fastify';
import { detectQuery } from '../../http/detect-query.js';
import { readImages, uploadName } from '../../http/uploads.js';
import { faceJson, Timings, type ImageResultJson } from '../../pipeline/respond.js';

export default async function predictRoutes(app: FastifyInstance): Promise<void> {
  app.post('/predict', async (req) => {
    const { config, analyze, classify, modelJson } = app.fer;
    const { detect, faces } = detectQuery(req.query, config);
    const uploads = await readImages(req, { maxFiles: config.maxFiles, maxFileBytes: config.maxFileBytes });
    const timings = new Timings();
    const settled = await Promise.allSettled(uploads.map((u, i) => analyze({ source: { kind: 'bytes', bytes: u.data, name: uploadName(u, i), declaredType: u.mimetype }, mode: detect, faces })));
    const analyzed = settled.map((s) => {
      if (s.status === 'rejected') throw s.reason;
      timings.add(s.value.times);
      return s.value;
    });
    const probs = await timings.time('inferMs', () => classify(analyzed.flatMap((a) => a.crops)));
    let k = 0;
    const results: ImageResultJson[] = analyzed.map((a) => ({
      width: a.width,
      height: a.height,
      detection: a.detection,
      faces: a.faces.map((f) => faceJson(f, probs[k++])),
    }));
    return { results, model: modelJson, timings };
  });
}
