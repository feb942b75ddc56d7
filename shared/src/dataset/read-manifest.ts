import { isAbsolute, resolve } from 'node:path';
import { parseLabel } from '../labels.js';
import { DataError, type BadRow } from './bad-rows.js';
import { csvName, csvRecords, type CsvInput, type CsvOptions } from './csv-records.js';

/** One labelled example: `source` is an image path, or `file.csv:line` for pixel rows. */
export interface Sample {
  source: string;
  label: number;
}

export interface ListedSamples {
  samples: Sample[];
  bad: BadRow[];
}

/** A usable manifest row: the path as written (not resolved) and the class index. */
export interface ManifestRow {
  line: number;
  where: string;
  path: string;
  label: number;
}

export interface ManifestRows {
  rows: ManifestRow[];
  bad: BadRow[];
}

const PATH_HEADERS = new Set(['path', 'file', 'filename', 'image', 'image_path']);
const LABEL_HEADERS = new Set(['label', 'class', 'emotion', 'expression']);

/**
 * Reads a `path,label` manifest: labels as class names or indices. The first row is a header
 * when it names a column (`path`/`file`/`filename`/`image`/`image_path`,
 * `label`/`class`/`emotion`/`expression`, any case, any order, other columns allowed); without
 * one the columns are path, label. Rows with the wrong number of fields, an unknown label or an
 * empty path are returned in `bad` with their line; whether the files exist and decode is for
 * the caller. A header that lacks the path or the label column refuses the whole file.
 */
export async function readManifestRows(input: CsvInput, opts: CsvOptions = {}): Promise<ManifestRows> {
  const name = csvName(input);
  const rows: ManifestRow[] = [];
  const bad: BadRow[] = [];
  let cols: { path: number; label: number; count: number } | undefined;
  for await (const { fields, line } of csvRecords(input, opts)) {
    const where = `${name}:${line}`;
    if (!cols) {
      cols = headerColumns(fields, where);
      if (cols.count > 0) continue;
    }
    const count = cols.count || 2;
    if (fields.length !== count) {
      bad.push({ where, line, reason: `expected ${count} fields (${cols.count ? 'as the header' : 'path,label'}), got ${fields.length}` });
      continue;
    }
    const path = fields[cols.path];
    const labelText = fields[cols.label];
    const label = parseLabel(labelText);
    if (label === undefined) {
      bad.push({ where, line, reason: `unknown label '${labelText.slice(0, 40)}'` });
      continue;
    }
    if (path === '') {
      bad.push({ where, line, reason: 'empty path' });
      continue;
    }
    rows.push({ line, where, path, label });
  }
  return { rows, bad };
}

/** A manifest file's rows as samples: relative paths resolved against `root`. */
export async function readManifest(file: string, root: string): Promise<ListedSamples> {
  const { rows, bad } = await readManifestRows({ file });
  return { samples: rows.map((r) => ({ source: isAbsolute(r.path) ? r.path : resolve(root, r.path), label: r.label })), bad };
}

/** Columns named by a header row (count > 0), or the headerless layout path,label (count 0). */
function headerColumns(fields: string[], where: string): { path: number; label: number; count: number } {
  const names = fields.map((f) => f.toLowerCase());
  if (!names.some((n) => PATH_HEADERS.has(n) || LABEL_HEADERS.has(n))) return { path: 0, label: 1, count: 0 };
  const path = names.findIndex((n) => PATH_HEADERS.has(n));
  const label = names.findIndex((n) => LABEL_HEADERS.has(n));
  if (path < 0 || label < 0) {
    const missing = path < 0 ? 'path column (path, file, filename, image, image_path)' : 'label column (label, class, emotion, expression)';
    throw new DataError(`${where}: the header "${fields.join(',').slice(0, 200)}" has no ${missing}; expected path,label`);
  }
  return { path, label, count: fields.length };
}
