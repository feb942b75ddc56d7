/**
 * POST /evaluate: its query, request bodies (the JSON one is parsed with `ManifestBody` by
 * routes/evaluate/source.ts) and the report.
 */
import { z } from 'zod';
import { Label, ModelRef } from './common.js';
import { EvaluateQuery } from './queries.js';
import { errors, json } from './replies.js';

/** The JSON body: a manifest under the server's data root. */
export const ManifestBody = z.object({ manifest: z.string() });

export const ClassMetrics = z
  .object({ precision: z.number().min(0).max(1), recall: z.number().min(0).max(1), f1: z.number().min(0).max(1), support: z.number().int().min(0) })
  .meta({ id: 'ClassMetrics' });

const row7 = () => z.array(z.number().int().min(0)).min(7).max(7);

export const EvaluateResponse = z
  .object({
    count: z.number().int().min(0).describe('Rows evaluated.'),
    accuracy: z.number().min(0).max(1),
    macroF1: z.number().min(0).max(1),
    labels: z.array(Label).min(7).max(7),
    perClass: z.object({ angry: ClassMetrics, disgust: ClassMetrics, fear: ClassMetrics, happy: ClassMetrics, sad: ClassMetrics, surprise: ClassMetrics, neutral: ClassMetrics }),
    confusionMatrix: z.array(row7()).min(7).max(7).describe('confusionMatrix[true][predicted], in the order of `labels`.'),
    ece: z.number().min(0).max(1).describe('Expected calibration error of the top-class probability, 15 equal-width confidence bins (0 for no rows).'),
    badRows: z
      .array(z.object({ line: z.number().int().min(1).describe('1-based line of the CSV.'), reason: z.string() }))
      .max(1000),
    badRowCount: z.number().int().min(0),
    model: ModelRef,
    timings: z.object({ totalMs: z.number().min(0) }),
  })
  .meta({ id: 'EvaluateResponse' });
export type EvaluateResponse = z.output<typeof EvaluateResponse>;

export const evaluateSchema = {
  operationId: 'evaluate',
  summary: 'Metrics of the loaded model on a labeled CSV',
  description:
    "The CSV is read by the trainer's reader (shared/src/dataset), as `amft eval` reads it:\neither a manifest `path,label` (labels are class names or FER2013 indices 0..6; the header\nis optional and may name its columns path/file/filename/image/image_path and\nlabel/class/emotion/expression, in any order) or the FER2013 pixel CSV\n`emotion,pixels[,Usage]` (header optional; 2304 space-separated 8-bit grayscale values,\n48x48). Send it as a multipart part named `csv` (file or field) with the images as\nother file parts (a path matches an uploaded file by file name, then by base name), as a\n`text/csv` body, or name a manifest under the server's data root with JSON\n`{\"manifest\": \"<path>\"}` or a multipart field `manifest`. Paths not uploaded resolve\nunder the data root (relative to it); absolute paths, `..` segments and symlinks leading\noutside it fail the request with 400 FER_ERR_PATH_ESCAPE (a path through a symlink that\nleads outside gets it whether or not the file exists). Unusable rows are listed in\n`badRows` (at most 1000; `badRowCount` counts all) and left out of the metrics.\nWith detect=auto|always, the largest face of each image is used.\n",
  querystring: EvaluateQuery,
  'x-body': {
    'multipart/form-data': z.object({ csv: z.string(), manifest: z.string() }).partial(),
    'text/csv': z.string(),
    'application/json': ManifestBody,
  },
  response: {
    200: json('Classification report', EvaluateResponse),
    ...errors(400, 404, 413, 408, 431, 415, 401, 500, 503),
  },
} as const;
