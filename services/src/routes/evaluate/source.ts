/**
 * /evaluate, step 1: the labelled set's CSV and the images uploaded with it. The CSV comes as a
 * multipart part named `csv` (file or field) with the images as other file parts; as a `text/csv`
 * body; or as a manifest under the data root, named by JSON `{ "manifest": "<path>" }` or a
 * multipart field `manifest`.
 */
import { readFile, stat } from 'node:fs/promises';
import type { FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import { BadRequestError, FileTooLargeError, MissingFieldError, NoDataRootError, UnsupportedTypeError } from '../../errors.js';
import { readMultipart, routeUploadLimits, type Upload } from '../../http/uploads.js';
import { ManifestBody } from '../../schemas/index.js';
import type { DataRoot } from './data-root.js';

export interface EvalSource {
  csv: string;
  /** How the CSV is named in bad rows and errors. */
  name: string;
  /** Uploaded images by file name. */
  files: Map<string, Upload>;
}

async function readManifest(root: DataRoot | undefined, manifest: string, config: Config): Promise<string> {
  if (!root) throw new NoDataRootError();
  const path = await root.resolveFile(manifest);
  if ((await stat(path)).size > config.maxCsvBytes) throw new FileTooLargeError(config.maxCsvBytes);
  return readFile(path, 'utf8');
}

export async function readSource(req: FastifyRequest, config: Config, root: DataRoot | undefined): Promise<EvalSource> {
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
    if (csvFile) return { csv: csvFile.data.toString('utf8'), name: csvFile.filename || 'csv', files: map };
    if (fields.csv !== undefined) return { csv: fields.csv, name: 'csv', files: map };
    if (fields.manifest !== undefined) return { csv: await readManifest(root, fields.manifest, config), name: fields.manifest, files: map };
    throw new MissingFieldError('csv: send the CSV as a multipart part named "csv" (or a "manifest" field naming a CSV under the data root)');
  }
  const body = req.body;
  if (typeof body === 'string') return { csv: body, name: 'body', files: new Map() };
  if (body === undefined || body === null) throw new MissingFieldError('csv: the request has no body');
  if (Buffer.isBuffer(body)) throw new UnsupportedTypeError(`${req.headers['content-type']}; send multipart/form-data, text/csv or JSON {"manifest": "<path>"}`);
  const parsed = ManifestBody.safeParse(body);
  if (!parsed.success) throw new MissingFieldError('manifest: the JSON body must be {"manifest": "<path under the data root>"}');
  return { csv: await readManifest(root, parsed.data.manifest, config), name: parsed.data.manifest, files: new Map() };
}
