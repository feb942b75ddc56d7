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
 * than a crop) is a bad row.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { LABELS, classificationReport, expectedCalibrationError } from '@amft/shared';
import { parseQuery } from '../../http/uploads.js';
import { round2 } from '../../round.js';
import { DataRoot } from './data-root.js';
import { rowsToJobs } from './jobs.js';
import { runChunks } from './run-chunks.js';
import { readSource } from './source.js';

const EvalQuery = z.object({
  detect: z.enum(['auto', 'always', 'never']).default('never'),
  usage: z.string().min(1).optional(),
});

/** At most this many bad rows are listed (all are counted in badRowCount). */
const MAX_BAD_ROWS_LISTED = 1000;

export default async function evaluateRoutes(app: FastifyInstance): Promise<void> {
  const { config } = app.fer;
  const root = config.dataRoot ? new DataRoot(config.dataRoot) : undefined;

  app.post('/evaluate', { bodyLimit: config.maxCsvBytes }, async (req) => {
    const q = parseQuery(EvalQuery, req.query);
    const { analyzeEach, classify, model } = app.fer;
    const source = await readSource(req, config, root);
    const { jobs, bad } = await rowsToJobs(source, { config, root, detect: q.detect, usage: q.usage });
    const t0 = performance.now();
    const maxChunk = Math.min(config.maxQueue, config.maxPreprocessQueue);
    const results = await runChunks(jobs, { analyzeEach, classify, maxChunk, signal: req.work });
    const badRows = [...bad.map((b) => ({ line: b.line ?? 0, reason: b.reason })), ...results.bad].sort((a, b) => a.line - b.line);
    return {
      ...classificationReport(results.yTrue, results.yPred, LABELS),
      ece: expectedCalibrationError(results.yProb, results.yTrue),
      badRows: badRows.slice(0, MAX_BAD_ROWS_LISTED),
      badRowCount: badRows.length,
      model: { name: model.metadata.name, variant: model.metadata.variant, provider: model.session.provider },
      timings: { totalMs: round2(performance.now() - t0) },
    };
  });
}
