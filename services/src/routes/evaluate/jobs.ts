/**
 * /evaluate, step 2: the CSV's rows to jobs, read by the shared dataset readers
 * (shared/src/dataset), the same code `amft train` and `amft eval` read their CSVs with: a
 * manifest (`path,label`, with or without a header, `file`/`image`/`class` headers too) or the
 * FER2013 CSV (`emotion,pixels[,Usage]`, 48x48 pixel rows). A manifest path names an uploaded
 * file (by file name, then base name) or, with a data root, a file under it; every path is
 * resolved before any image is read, so a path escaping the root fails the whole request.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import {
  DataError,
  detectCsvFormat,
  FER2013_SIDE,
  readFer2013Csv,
  readManifestRows,
  RowLimitError,
  UsageColumnError,
  type BadRow,
  type CsvInput,
  type ManifestRow,
} from '@amft/shared/dataset';
import type { Config } from '../../config.js';
import { BadCsvError, BadParameterError, FileTooLargeError, TooManyRowsError } from '../../errors.js';
import type { AnalyzeJob } from '../../pipeline/analyze.js';
import type { DetectMode } from '../../pipeline/detect/index.js';
import type { DataRoot } from './data-root.js';
import type { Job as EvalJob } from './run-chunk.js';
import type { EvalSource } from './source.js';

export interface EvalJobs {
  jobs: EvalJob[];
  /** Rows left out, with their lines. */
  bad: BadRow[];
}

export interface JobContext {
  config: Config;
  root: DataRoot | undefined;
  detect: DetectMode;
  usage: string | undefined;
}

/** Reads the CSV and turns each usable row into a job; shared-reader failures become coded errors. */
export async function rowsToJobs(source: EvalSource, ctx: JobContext): Promise<EvalJobs> {
  if (source.csv.trim() === '') throw new BadCsvError('the CSV is empty');
  const input: CsvInput = { text: source.csv, name: source.name };
  const opts = { maxRecords: ctx.config.maxEvalRows + 1 }; // + the header
  try {
    if ((await detectCsvFormat(input)) === 'fer2013-csv') {
      const rows = await readFer2013Csv(input, ctx.usage, opts);
      const size = FER2013_SIDE * FER2013_SIDE;
      const jobs = rows.samples.map((s, i) => {
        const pixels = rows.pixels.subarray(i * size, (i + 1) * size);
        const load = (): AnalyzeJob => ({ source: { kind: 'gray', pixels, width: FER2013_SIDE, height: FER2013_SIDE }, mode: 'never' });
        return { line: rows.lines[i], label: s.label, load };
      });
      return { jobs, bad: rows.bad };
    }
    if (ctx.usage !== undefined) throw new BadParameterError('usage: only for a FER2013 CSV with a Usage column');
    const { rows, bad } = await readManifestRows(input, opts);
    const jobs: EvalJob[] = [];
    for (const row of rows) {
      const job = await manifestJob(row, source, ctx);
      if ('reason' in job) bad.push({ where: row.where, line: row.line, reason: job.reason });
      else jobs.push(job);
    }
    return { jobs, bad };
  } catch (err) {
    if (err instanceof RowLimitError) throw new TooManyRowsError(ctx.config.maxEvalRows);
    if (err instanceof UsageColumnError) throw new BadParameterError('usage: only for a FER2013 CSV with a Usage column');
    if (err instanceof DataError) throw new BadCsvError(err.message);
    throw err;
  }
}

async function manifestJob(row: ManifestRow, source: EvalSource, ctx: JobContext): Promise<EvalJob | { reason: string }> {
  const { path, line, label } = row;
  const shown = path.slice(0, 200);
  const name = `'${shown}' (line ${line})`;
  const bytesJob = (bytes: Buffer, declaredType: string | undefined): AnalyzeJob => ({ source: { kind: 'bytes', bytes, name, declaredType }, mode: ctx.detect, pick: { kind: 'largest' } });
  const upload = source.files.get(path) ?? source.files.get(basename(path));
  if (upload) return { line, label, load: () => bytesJob(upload.data, upload.mimetype) };
  if (!ctx.root) return { reason: `no uploaded file named '${shown}'` };
  let file: string;
  try {
    file = await ctx.root.resolveFile(path); // escapes throw FER_ERR_PATH_ESCAPE
  } catch (err) {
    if ((err as { code?: string }).code === 'FER_ERR_FILE_NOT_FOUND') return { reason: `no file '${shown}' under the data root` };
    throw err;
  }
  const { maxFileBytes } = ctx.config;
  return {
    line,
    label,
    load: async () => {
      if ((await stat(file)).size > maxFileBytes) throw new FileTooLargeError(maxFileBytes);
      return bytesJob(await readFile(file), typeFromExtension(path));
    },
  };
}

/** The image type a file name claims, so a corrupt `x.png` reads as a bad image, not an unsupported one. */
function typeFromExtension(p: string): string | undefined {
  const ext = /\.(\w+)$/.exec(p)?.[1]?.toLowerCase();
  return ext === 'jpg' || ext === 'jpeg' ? 'image/jpeg' : ext === 'png' ? 'image/png' : ext === 'webp' ? 'image/webp' : undefined;
}
