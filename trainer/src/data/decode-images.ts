import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import type { ProgressSink } from '../progress.js';
import type { BadRow } from './bad-rows.js';
import { imageSize, type ImageGeometry } from './sample.js';

export interface DecodedImages {
  /** `paths.length` images of `geometry`, HWC uint8; a failed image's slot is left zero. */
  pixels: Uint8Array;
  /** Indices into `paths` that could not be read or decoded, with the reason. */
  failed: Array<{ index: number } & BadRow>;
}

/**
 * Decodes image files with sharp into one buffer, resized (stretched) to `geometry` and converted
 * to grayscale or sRGB without alpha. `concurrency` files are in flight at a time; libvips does
 * the work off the main thread.
 */
export async function decodeImages(paths: readonly string[], geometry: ImageGeometry, concurrency = 16, onProgress?: ProgressSink): Promise<DecodedImages> {
  const size = imageSize(geometry);
  const pixels = new Uint8Array(paths.length * size);
  const failed: DecodedImages['failed'] = [];
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < paths.length) {
      const index = next++;
      const path = paths[index];
      try {
        pixels.set(await decodeImage(await readFile(path), geometry), index * size);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        const reason =
          code === 'ENOENT' ? 'file not found' : code ? `cannot read file (${code})` : `cannot decode image: ${(err as Error).message}`;
        failed.push({ index, where: path, reason });
      }
      onProgress?.(++done, paths.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, paths.length)) }, worker));
  failed.sort((a, b) => a.index - b.index);
  return { pixels, failed };
}

/** One encoded image (JPEG, PNG, ...) as raw HWC uint8 of `geometry`. */
export async function decodeImage(input: Buffer | Uint8Array, geometry: ImageGeometry): Promise<Buffer> {
  const img = sharp(input)
    .resize(geometry.width, geometry.height, { fit: 'fill' })
    .removeAlpha()
    .toColourspace(geometry.channels === 1 ? 'b-w' : 'srgb');
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== geometry.channels || data.length !== imageSize(geometry)) {
    throw new Error(`decoded to ${info.width}x${info.height}x${info.channels}, expected ${geometry.width}x${geometry.height}x${geometry.channels}`);
  }
  return data;
}
