import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { GRAY_CONVERSION, type PreprocessingSpec } from '@amft/shared';
import {
  DataError,
  detectFormat,
  FER2013_SIDE,
  readFer2013Csv,
  readImageFolder,
  readManifest,
  settleBadRows,
  type BadRow,
  type DataFormat,
} from '@amft/shared/dataset';
import sharp from 'sharp';
import type { ProgressSink } from '../progress.js';
import { cacheKey, readCache, writeCache, type CachedDataset } from './dataset-cache.js';
import { DataSource, type DataSourceInput } from './data-source.js';
import { decodeImages } from './decode-images.js';
import { resizeAffine, sampleAffine } from './resample.js';
import { Rng } from './rng.js';
import { shuffledOrder } from './class-balance.js';
import { imageAt, imageSize, sameGeometry, type ImageDataset, type ImageGeometry, type Sample } from './sample.js';

export interface LoadOptions {
  /** The model's input; images are stored with its channels. */
  spec: Pick<PreprocessingSpec, 'height' | 'width' | 'channels'>;
  /**
   * Side length images are stored at (at most the spec's). Default: the size of the source
   * images when smaller than the spec (FER2013: 48), so a 224x224 model on 48x48 data keeps
   * 48x48 images in memory and resizes them per batch.
   */
  storeSize?: number;
  /** A directory for decoded datasets; see dataset-cache.ts. */
  cacheDir?: string;
  /** Images decoded at a time. */
  concurrency?: number;
  /** Told of each image file decoded (folder and manifest datasets). */
  onProgress?: ProgressSink;
}

export interface LoadedDataset {
  dataset: ImageDataset;
  format: DataFormat;
  /** Rows left out (skip mode). */
  bad: BadRow[];
}

/**
 * Reads, validates and decodes a whole dataset before anything trains on it. Every bad row (a
 * missing or undecodable image, an unknown label, a malformed pixel row) is collected; in 'fail'
 * mode they end the load in one DataError listing them, in 'skip' mode they are left out and
 * returned. A dataset with no usable sample is always an error.
 */
export async function loadDataset(input: DataSourceInput, opts: LoadOptions): Promise<LoadedDataset> {
  const src = DataSource.parse(input);
  const format = src.format ?? (await detectFormat(src.path));
  const what = `${src.path} (${format})`;
  const { onBadRow: _, ...content } = src; // the decoded data does not depend on onBadRow
  const cached = async (keyParts: () => Promise<unknown>, produce: () => Promise<CachedDataset>): Promise<CachedDataset> => {
    if (!opts.cacheDir) return produce();
    const key = cacheKey(await keyParts());
    const hit = await readCache(opts.cacheDir, key);
    if (hit) return hit;
    const fresh = await produce();
    await writeCache(opts.cacheDir, key, fresh);
    return fresh;
  };
  let result: CachedDataset;
  if (format === 'fer2013-csv') {
    const geometry = storageGeometry(opts, FER2013_SIDE);
    result = await cached(
      async () => ({ format, content, geometry, file: await fileStamp(src.path) }),
      async () => {
        const rows = await readFer2013Csv({ file: src.path }, src.usage);
        const all: ImageDataset = { geometry: { height: FER2013_SIDE, width: FER2013_SIDE, channels: 1 }, samples: rows.samples, pixels: rows.pixels };
        return { dataset: toGeometry(select(all, subset(all.samples, src.maxSamples)), geometry), bad: rows.bad };
      },
    );
  } else {
    const listed = format === 'folder' ? await readImageFolder(src.path) : await readManifest(src.path, src.root ?? dirname(resolve(src.path)));
    const samples = subset(listed.samples, src.maxSamples).map((i) => listed.samples[i]);
    const geometry = storageGeometry(opts, await nativeSide(samples));
    result = await cached(
      async () => ({ format, content, geometry, gray: GRAY_CONVERSION, samples, files: await Promise.all(samples.map((s) => fileStamp(s.source))) }),
      async () => {
        const decoded = await decodeListed(samples, geometry, opts.concurrency, opts.onProgress);
        return { dataset: decoded.dataset, bad: [...listed.bad, ...decoded.bad] };
      },
    );
  }
  settleBadRows(result.bad, src.onBadRow, what);
  if (result.dataset.samples.length === 0) {
    throw new DataError(`${what}: no usable samples${result.bad.length ? ` (${result.bad.length} bad rows left out)` : ''}`, result.bad);
  }
  return { ...result, format };
}

async function decodeListed(samples: Sample[], geometry: ImageGeometry, concurrency?: number, onProgress?: ProgressSink): Promise<CachedDataset> {
  const decoded = await decodeImages(samples.map((s) => s.source), geometry, concurrency, onProgress);
  const bad: BadRow[] = decoded.failed.map(({ where, reason }) => ({ where, reason }));
  const failed = new Set(decoded.failed.map((f) => f.index));
  const all: ImageDataset = { geometry, samples, pixels: decoded.pixels };
  const kept = samples.map((_, i) => i).filter((i) => !failed.has(i));
  return { dataset: select(all, kept), bad };
}

function storageGeometry(opts: LoadOptions, nativeSide: number | undefined): ImageGeometry {
  const side = opts.storeSize ?? nativeSide;
  const { height, width, channels } = opts.spec;
  return side ? { height: Math.min(height, side), width: Math.min(width, side), channels } : { height, width, channels };
}

/** The larger side of the first listed image that can be read, if any. */
async function nativeSide(samples: Sample[]): Promise<number | undefined> {
  for (const s of samples.slice(0, 5)) {
    const meta = await sharp(s.source).metadata().catch(() => undefined);
    if (meta?.width && meta.height) return Math.max(meta.width, meta.height);
  }
  return undefined;
}

/** Indices of `max` samples chosen by a fixed shuffle (so the class mix is kept), in dataset order. */
function subset(samples: readonly Sample[], max: number | undefined): number[] {
  if (max === undefined || max >= samples.length) return samples.map((_, i) => i);
  return Array.from(shuffledOrder(samples.length, Rng.fromSeed(0)).subarray(0, max)).sort((a, b) => a - b);
}

function select(ds: ImageDataset, indices: readonly number[]): ImageDataset {
  if (indices.length === ds.samples.length) return ds;
  const n = imageSize(ds.geometry);
  const pixels = new Uint8Array(indices.length * n);
  indices.forEach((idx, i) => pixels.set(imageAt(ds, idx), i * n));
  return { geometry: ds.geometry, samples: indices.map((i) => ds.samples[i]), pixels };
}

function toGeometry(ds: ImageDataset, g: ImageGeometry): ImageDataset {
  if (sameGeometry(ds.geometry, g)) return ds;
  const n = imageSize(g);
  const pixels = new Uint8Array(ds.samples.length * n);
  const m = resizeAffine(ds.geometry, g);
  for (let i = 0; i < ds.samples.length; i++) sampleAffine(imageAt(ds, i), ds.geometry, pixels.subarray(i * n, (i + 1) * n), g, m);
  return { geometry: g, samples: ds.samples, pixels };
}

async function fileStamp(path: string): Promise<[number, number] | null> {
  const s = await stat(path).catch(() => null);
  return s && [s.size, s.mtimeMs];
}
