/**
 * POST /evaluate: accuracy, macro-F1, per-class metrics, the confusion matrix and the expected
 * calibration error of the loaded model on a labeled set, computed by the shared
 * `classificationReport` and `expectedCalibrationError` (of the probabilities the model serves,
 * so a calibrated export is measured as calibrated).
 *
 * The set is a CSV, one of:
 * - `path,label`: each path names an image uploaded as a file part of the same multipart
 *   request (matched by file name, then by base name), or, when the server has a data root
 *   (--data-root), a file under it (paths relative to the data root).
 * - `emotion,pixels[,Usage]`: the FER2013 CSV (48x48 grayscale pixels, space separated);
 *   query `usage` keeps only the rows of one split (e.g. PublicTest).
 * Given as: a multipart part named `csv` (file or field) with the images as other file parts; a
 * `text/csv` body; or a manifest under the data root, named by JSON `{ "manifest": "<path>" }` or
 * a multipart field `manifest`. Labels are class names or FER2013 indices (0..6).
 * Rows that cannot be used (bad label, missing or undecodable image, wrong cell count, ...) are
 * listed in `badRows` with their line numbers and left out of the metrics. A path that escapes
 * the data root fails the whole request (FER_ERR_PATH_ESCAPE).
 * Query `detect` (default never: images are face crops) as for /predict; with auto/always the
 * largest face of each image is used, and an image with no face (always; auto on an image larger
 * than a crop) is a bad row.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { LABELS, argmax, classificationReport, expectedCalibrationError, parseLabel } from '@amft/shared';
import type { Config } from '../../config.js';
import {
  BadCsvError,
  BadParameterError,
  BadRequestError,
  FileTooLargeError,
  MissingFieldError,
  NoDataRootError,
  TooManyRowsError,
  UnsupportedTypeError,
} from '../../errors.js';
import { parseQuery, readMultipart, routeUploadLimits, type Upload } from '../../http/uploads.js';
import type { AnalyzeJob } from '../../pipeline/analyze.js';
import { csvRows, type CsvRow } from './csv.js';
import { DataRoot } from './data-root.js';
import { runChunk, type Job } from './run-chunk.js';

const EvalQuery = z.object({
  detect: z.enum(['auto', 'always', 'never']).default('never'),
  usage: z.string().min(1).optional(),
});

/** Rows decoded and classified together; bounds memory and the batcher queue. */
const CHUNK_ROWS = 64;
/** At most this many bad rows are listed (all are counted in badRowCount). */
const MAX_BAD_ROWS_LISTED = 1000;

interface Source {
  csv: string;
  files: Map<string, Upload>;
}

interface BadRow {
  line: number;
  reason: string;
}

async function readManifest(root: DataRoot | undefined, manifest: string, config: Config): Promise<string> {
  if (!root) throw new NoDataRootError();
  const path = await root.resolveFile(manifest);
  if ((await stat(path)).size > config.maxCsvBytes) throw new FileTooLargeError(config.maxCsvBytes);
  return readFile(path, 'utf8');
}

async function readSource(req: FastifyRequest, config: Config, root: DataRoot | undefined): Promise<Source> {
  if (req.isMultipart()) {
    // Each part is refused as soon as it passes its limit (--max-file-bytes, --max-csv-bytes for
    // the csv part), the whole request at --max-eval-bytes.
    const { files, fields } = await readMultipart(req, routeUploadLimits(config).evaluate);
    const csvFile = files.find((f) => f.field === 'csv');
    const images = files.filter((f) => f !== csvFile);
    const map = new Map<string, Upload>();
    for (const f of images) {
      if (map.has(f.filename)) throw new BadRequestError(`two uploaded files are named '${f.filename}'`);
      map.set(f.filename, f);
    }
    let csv: string | undefined = csvFile ? csvFile.data.toString('utf8') : fields.csv;
    if (csv === undefined && fields.manifest !== undefined) csv = await readManifest(root, fields.manifest, config);
    if (csv === undefined) throw new MissingFieldError('csv: send the CSV as a multipart part named "csv" (or a "manifest" field naming a CSV under the data root)');
    return { csv, files: map };
  }
  const body = req.body;
  if (typeof body === 'string') return { csv: body, files: new Map() };
  if (body === undefined || body === null) throw new MissingFieldError('csv: the request has no body');
  if (Buffer.isBuffer(body)) throw new UnsupportedTypeError(`${req.headers['content-type']}; send multipart/form-data, text/csv or JSON {"manifest": "<path>"}`);
  const parsed = z.object({ manifest: z.string() }).safeParse(body);
  if (!parsed.success) throw new MissingFieldError('manifest: the JSON body must be {"manifest": "<path under the data root>"}');
  return { csv: await readManifest(root, parsed.data.manifest, config), files: new Map() };
}


export default async function evaluateRoutes(app: FastifyInstance): Promise<void> {
  const { config } = app.fer;
  const root = config.dataRoot ? new DataRoot(config.dataRoot) : undefined;

  app.post('/evaluate', { bodyLimit: config.maxCsvBytes }, async (req) => {
    const q = parseQuery(EvalQuery, req.query);
    const { analyzeEach, classify, model } = app.fer;
    const source = await readSource(req, config, root);

    const rows: CsvRow[] = [];
    for await (const row of csvRows(source.csv)) {
      if (rows.length > config.maxEvalRows) throw new TooManyRowsError(config.maxEvalRows);
      rows.push(row);
    }
    if (rows.length === 0) throw new BadCsvError('the CSV is empty');
    const header = rows[0].cells.map((c) => c.trim().toLowerCase());
    const col = (name: string) => header.indexOf(name);
    const isFer = col('emotion') >= 0 && col('pixels') >= 0;
    const isPaths = col('path') >= 0 && col('label') >= 0;
    if (!isFer && !isPaths) {
      throw new BadCsvError(`line ${rows[0].line}: expected a header "path,label" or "emotion,pixels[,Usage]", got "${rows[0].cells.join(',').slice(0, 200)}"`);
    }

    if (q.usage !== undefined && !(isFer && col('usage') >= 0)) throw new BadParameterError('usage: only for a FER2013 CSV with a Usage column');

    const badRows: BadRow[] = [];
    let badRowCount = 0;
    const bad = (line: number, reason: string) => {
      badRowCount += 1;
      if (badRows.length < MAX_BAD_ROWS_LISTED) badRows.push({ line, reason });
    };
    const bytesJob = (bytes: Buffer, name: string, declaredType: string | undefined): AnalyzeJob => ({ source: { kind: 'bytes', bytes, name, declaredType }, mode: q.detect, pick: { kind: 'largest' } });

    // First pass: check every row and resolve paths, so a path escaping the data root fails the
    // request before any image is read.
    const jobs: Job[] = [];
    for (const row of rows.slice(1)) {
      if (row.cells.length !== header.length) {
        bad(row.line, `expected ${header.length} cells, got ${row.cells.length}`);
        continue;
      }
      if (isFer) {
        if (q.usage !== undefined && row.cells[col('usage')] !== q.usage) continue;
        const label = parseLabel(row.cells[col('emotion')]);
        if (label === undefined) {
          bad(row.line, `unknown emotion '${row.cells[col('emotion')].slice(0, 40)}'`);
          continue;
        }
        const pixels = parsePixels(row.cells[col('pixels')]);
        if (typeof pixels === 'string') {
          bad(row.line, pixels);
          continue;
        }
        const side = Math.round(Math.sqrt(pixels.length));
        jobs.push({ line: row.line, label, load: () => ({ source: { kind: 'gray', pixels, width: side, height: side }, mode: 'never' }) });
      } else {
        const path = row.cells[col('path')];
        const label = parseLabel(row.cells[col('label')]);
        if (label === undefined) {
          bad(row.line, `unknown label '${row.cells[col('label')].slice(0, 40)}'`);
          continue;
        }
        if (path === '') {
          bad(row.line, 'empty path');
          continue;
        }
        const upload = source.files.get(path) ?? source.files.get(basename(path));
        const name = `'${path.slice(0, 200)}' (line ${row.line})`;
        if (upload) {
          jobs.push({ line: row.line, label, load: () => bytesJob(upload.data, name, upload.mimetype) });
          continue;
        }
        if (!root) {
          bad(row.line, `no uploaded file named '${path.slice(0, 200)}'`);
          continue;
        }
        let file: string;
        try {
          file = await root.resolveFile(path); // escapes throw FER_ERR_PATH_ESCAPE
        } catch (err) {
          if ((err as { code?: string }).code === 'FER_ERR_FILE_NOT_FOUND') {
            bad(row.line, `no file '${path.slice(0, 200)}' under the data root`);
            continue;
          }
          throw err;
        }
        jobs.push({
          line: row.line,
          label,
          load: async () => {
            if ((await stat(file)).size > config.maxFileBytes) throw new FileTooLargeError(config.maxFileBytes);
            return bytesJob(await readFile(file), name, typeFromExtension(path));
          },
        });
      }
    }

    // Second pass: decode and crop a chunk of rows, classify its crops together, repeat; stop
    // when the request is cancelled (client gone, deadline).
    const yTrue: number[] = [];
    const yPred: number[] = [];
    const yProb: Array<ArrayLike<number>> = [];
    const t0 = performance.now();
    const chunkRows = Math.min(CHUNK_ROWS, config.maxQueue, config.maxPreprocessQueue); // a chunk must fit in the queues
    for (let i = 0; i < jobs.length; i += chunkRows) {
      req.work.throwIfAborted();
      const chunk = jobs.slice(i, i + chunkRows);
      const crops = await runChunk(chunk, (loaded) => analyzeEach(loaded, req.work));
      const ok: { job: Job; crop: Uint8Array }[] = [];
      chunk.forEach((job, k) => {
        const c = crops[k];
        if (typeof c === 'string') bad(job.line, c);
        else ok.push({ job, crop: c });
      });
      const probs = await classify(
        ok.map((d) => d.crop),
        req.work,
      );
      ok.forEach((d, k) => {
        yTrue.push(d.job.label);
        yPred.push(argmax(probs[k]));
        yProb.push(probs[k]);
      });
    }
    badRows.sort((a, b) => a.line - b.line);
    const report = classificationReport(yTrue, yPred, LABELS);
    return {
      ...report,
      ece: expectedCalibrationError(yProb, yTrue),
      badRows,
      badRowCount,
      model: { name: model.metadata.name, variant: model.metadata.variant, provider: model.session.provider },
      timings: { totalMs: Math.round((performance.now() - t0) * 100) / 100 },
    };
  });
}

/** The image type a file name claims, so a corrupt `x.png` reads as a bad image, not an unsupported one. */
function typeFromExtension(p: string): string | undefined {
  const ext = /\.(\w+)$/.exec(p)?.[1]?.toLowerCase();
  return ext === 'jpg' || ext === 'jpeg' ? 'image/jpeg' : ext === 'png' ? 'image/png' : ext === 'webp' ? 'image/webp' : undefined;
}

/** Space-separated 8-bit values of a square image, or the reason they are not. */
function parsePixels(text: string): Uint8Array | string {
  const parts = text.trim().split(/\s+/);
  if (parts.length === 0 || parts[0] === '') return 'no pixel values';
  const side = Math.round(Math.sqrt(parts.length));
  if (side * side !== parts.length) return `${parts.length} pixel values do not make a square image`;
  const out = new Uint8Array(parts.length);
  for (let i = 0; i < parts.length; i++) {
    const v = Number(parts[i]);
    if (!Number.isInteger(v) || v < 0 || v > 255) return `pixel ${i + 1} is '${parts[i].slice(0, 20)}', not an integer 0..255`;
    out[i] = v;
  }
  return out;
}
