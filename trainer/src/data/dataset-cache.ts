import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BadRow } from '@amft/shared/dataset';
import type { ImageDataset } from './sample.js';

/**
 * Decoded datasets on disk, keyed by everything that decides their content (source files with
 * sizes and modification times, geometry, filters), so a second run with the same data skips
 * decoding. An entry is `<key>.bin` (pixels) and `<key>.json` (geometry, samples, bad rows),
 * each written to a temporary name and renamed; the JSON goes last and marks the entry complete.
 */
export interface CachedDataset {
  dataset: ImageDataset;
  bad: BadRow[];
}

interface CacheMeta {
  version: 1;
  geometry: ImageDataset['geometry'];
  samples: ImageDataset['samples'];
  bad: BadRow[];
}

export function cacheKey(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
}

export async function readCache(dir: string, key: string): Promise<CachedDataset | undefined> {
  let meta: CacheMeta;
  try {
    meta = JSON.parse(await readFile(join(dir, `${key}.json`), 'utf8')) as CacheMeta;
  } catch {
    return undefined;
  }
  const pixels = await readFile(join(dir, `${key}.bin`)).catch(() => undefined);
  const { height, width, channels } = meta.geometry;
  if (meta.version !== 1 || !pixels || pixels.length !== meta.samples.length * height * width * channels) return undefined;
  return { dataset: { geometry: meta.geometry, samples: meta.samples, pixels: new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.length) }, bad: meta.bad };
}

export async function writeCache(dir: string, key: string, entry: CachedDataset): Promise<void> {
  await mkdir(dir, { recursive: true });
  const meta: CacheMeta = { version: 1, geometry: entry.dataset.geometry, samples: entry.dataset.samples, bad: entry.bad };
  const tmp = `.tmp-${process.pid}-${Date.now()}`;
  await writeFile(join(dir, `${key}.bin${tmp}`), entry.dataset.pixels);
  await rename(join(dir, `${key}.bin${tmp}`), join(dir, `${key}.bin`));
  await writeFile(join(dir, `${key}.json${tmp}`), JSON.stringify(meta));
  await rename(join(dir, `${key}.json${tmp}`), join(dir, `${key}.json`));
}
