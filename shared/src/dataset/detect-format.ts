import { open, stat } from 'node:fs/promises';
import { DataError } from './bad-rows.js';
import type { CsvInput } from './csv-records.js';

export const DATA_FORMATS = ['manifest', 'fer2013-csv', 'folder'] as const;
export type DataFormat = (typeof DATA_FORMATS)[number];
export type CsvFormat = Exclude<DataFormat, 'folder'>;

/**
 * A file whose first line has a `pixels` column, or whose second field is a long run of numbers,
 * is a FER2013 CSV; any other CSV is a manifest.
 */
export function csvFormatOf(firstLine: string): CsvFormat {
  if (/(^|,)\s*"?pixels"?\s*(,|$)/i.test(firstLine)) return 'fer2013-csv';
  const second = firstLine.split(',')[1] ?? '';
  if (second.trim().split(/\s+/).length >= 100) return 'fer2013-csv';
  return 'manifest';
}

/** A directory is an image folder; a file is a CSV of the format its first line says. */
export async function detectFormat(path: string): Promise<DataFormat> {
  const info = await stat(path).catch(() => {
    throw new DataError(`${path}: no such file or directory`);
  });
  if (info.isDirectory()) return 'folder';
  return csvFormatOf(await readFirstLine(path));
}

/** The format of a CSV, on disk or in memory. */
export async function detectCsvFormat(input: CsvInput): Promise<CsvFormat> {
  return csvFormatOf('file' in input ? await readFirstLine(input.file) : firstLineOf(input.text));
}

function firstLineOf(text: string): string {
  const t = text.replace(/^\uFEFF/, '').replace(/^(\s*\r?\n)+/, '');
  const end = t.search(/\r?\n/);
  return end < 0 ? t : t.slice(0, end);
}

async function readFirstLine(path: string, limit = 64 * 1024): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(limit);
    const { bytesRead } = await fh.read(buf, 0, limit, 0);
    return firstLineOf(buf.subarray(0, bytesRead).toString('utf8'));
  } finally {
    await fh.close();
  }
}
