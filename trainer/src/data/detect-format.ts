import { open, stat } from 'node:fs/promises';
import { DataError } from './bad-rows.js';
import type { DataFormat } from './data-source.js';

/**
 * A directory is an image folder; a file whose first line has a `pixels` column, or whose second
 * field is a long run of numbers, is a FER2013 CSV; any other file is a manifest.
 */
export async function detectFormat(path: string): Promise<DataFormat> {
  const info = await stat(path).catch(() => {
    throw new DataError(`${path}: no such file or directory`);
  });
  if (info.isDirectory()) return 'folder';
  const firstLine = await readFirstLine(path);
  if (/(^|,)\s*"?pixels"?\s*(,|$)/i.test(firstLine)) return 'fer2013-csv';
  const second = firstLine.split(',')[1] ?? '';
  if (second.trim().split(/\s+/).length >= 100) return 'fer2013-csv';
  return 'manifest';
}

async function readFirstLine(path: string, limit = 64 * 1024): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(limit);
    const { bytesRead } = await fh.read(buf, 0, limit, 0);
    const text = buf.subarray(0, bytesRead).toString('utf8').replace(/^\uFEFF/, '');
    const end = text.search(/\r?\n/);
    return end < 0 ? text : text.slice(0, end);
  } finally {
    await fh.close();
  }
}
