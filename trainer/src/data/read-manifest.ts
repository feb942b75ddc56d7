import { isAbsolute, resolve } from 'node:path';
import { parseLabel } from '@amft/shared';
import type { BadRow } from './bad-rows.js';
import { csvRecords } from './csv-records.js';
import type { Sample } from './sample.js';

export interface ListedSamples {
  samples: Sample[];
  bad: BadRow[];
}

const PATH_HEADERS = new Set(['path', 'file', 'filename', 'image', 'image_path']);
const LABEL_HEADERS = new Set(['label', 'class', 'emotion', 'expression']);

/**
 * Reads a `path,label` manifest: paths relative to `root` (or absolute), labels as class names or
 * indices. A header row is recognised by its column names. Rows with the wrong number of fields
 * or an unknown label are returned in `bad`; whether the image files exist and decode is checked
 * when they are decoded.
 */
export async function readManifest(file: string, root: string): Promise<ListedSamples> {
  const samples: Sample[] = [];
  const bad: BadRow[] = [];
  let first = true;
  for await (const { fields, line } of csvRecords(file)) {
    const where = `${file}:${line}`;
    if (first) {
      first = false;
      if (isHeader(fields)) continue;
    }
    if (fields.length !== 2) {
      bad.push({ where, reason: `expected 2 fields (path,label), got ${fields.length}` });
      continue;
    }
    const [path, labelText] = fields;
    const label = parseLabel(labelText);
    if (label === undefined) {
      bad.push({ where, reason: `unknown label '${labelText}'` });
      continue;
    }
    if (path === '') {
      bad.push({ where, reason: 'empty path' });
      continue;
    }
    samples.push({ source: isAbsolute(path) ? path : resolve(root, path), label });
  }
  return { samples, bad };
}

function isHeader(fields: string[]): boolean {
  const [a = '', b = ''] = fields.map((f) => f.toLowerCase());
  return PATH_HEADERS.has(a) || LABEL_HEADERS.has(b);
}
