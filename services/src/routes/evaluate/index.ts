/**
 * POST /evaluate: accuracy, macro-F1, per-class metrics, the confusion matrix and the expected
 * calibration error of the loaded model on a labeled set, computed by the shared
 * `classificationReport` and `expectedCalibrationError` (of the probabilities the model serves,
 * so a calibrated export is measured as calibrated), from rows read by the shared dataset
 * readers, as `amft eval` does:
 * 1. `source.ts`: the CSV (a `csv` part with the images as other parts, a `text/csv` body, or a
 *    manifest under --data-root);
 * 2. `jobs.ts`: rows to jobs (a manifest `path,label`, or the FER2013 CSV `emotion,pixels[,Usage]`,
 *    query `usage` keeping one split), bad rows with their line numbers;
 * 3. `run-chunks.ts` (+ `run-chunk.ts`): load, decode, crop and classify the jobs a chunk at a
 *    time, until done or the request is cancelled.
 * Rows that cannot be used are listed in `badRows` and left out of the metrics. A path that
 * escapes the data root fails the whole request (FER_ERR_PATH_ESCAPE).
 * Query `detect` (default never: images are face crops) as for /predict; with auto/always the
 * largest face of each image is used, and an image with no face (always; auto on an image larger
 * than a crop) is a bad row. Query, bodies and report: schemas/evaluate.ts.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { LABELS, classificationReport, expectedCalibrationError } from '@amft/shared';
import { round2 } from '../../round.js';
import { evaluateSchema, type EvaluateResponse } from '../../schemas/index.js';
import { DataRoot } from './data-root.js';
import { rowsToJobs } from './jobs.js';
import { runChunks } from './run-chunks.js';
import { readSource } from './source.js';

/** At most this many bad rows are listed (all are counted in badRowCount). */
const MAX_BAD_ROWS_LISTED = 1000;

export default async function evaluateRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { config } = app;
  const root = config.dataRoot ? new DataRoot(config.dataRoot) : undefined;

  app.post('/evaluate', { bodyLimit: config.maxCsvBytes, schema: evaluateSchema }, async (req) => {
    const q = req.query;
    const { analyzeEach, classify, describe } = app.fer;
    const source = await readSource(req, config, root);
    const { jobs, bad } = await rowsToJobs(source, { config, root, detect: q.detect, usage: q.usage });
    const t0 = performance.now();
    const maxChunk = Math.min(config.maxQueue, config.maxPreprocessQueue);
    const results = await runChunks(jobs, { analyzeEach, classify, maxChunk, signal: req.work });
    const badRows = [...bad.map((b) => ({ line: b.line ?? 0, reason: b.reason })), ...results.bad].sort((a, b) => a.line - b.line);
    return {
      // The shared report's labels and classes are LABELS: the schema's Label enum.
      ...(classificationReport(results.yTrue, results.yPred, LABELS) as Pick<EvaluateResponse, 'count' | 'accuracy' | 'macroF1' | 'labels' | 'perClass' | 'confusionMatrix'>),
      ece: expectedCalibrationError(results.yProb, results.yTrue),
      badRows: badRows.slice(0, MAX_BAD_ROWS_LISTED),
      badRowCount: badRows.length,
      model: describe().model,
      timings: { totalMs: round2(performance.now() - t0) },
    };
  });
}
