import { readFile } from 'node:fs/promises';
import type { BadRow } from '@amft/shared/dataset';
import { decodeToInput } from '@amft/shared/image';
import type { ProgressSink } from '../progress.js';
import { imageSize, type ImageGeometry } from './sample.js';

export interface DecodedImages {
  /** `paths.length` images of `geometry`, HWC uint8; a failed image's slot is left zero. */
  pixels: Uint8Array;
  /** Indices into `paths` that could not be read or decoded, with the reason. */
  failed: Array<{ index: number } & BadRow>;
}

/**
 * Decodes image files into one buffer, resized (stretched) to `geometry` and converted to gray or
 * sRGB without alpha by the shared `decodeToInput`, as the service turns a whole image into the
 * model input. `concurrency` files are in flight at a time; libvips does
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
export async function decodeImage(input: Buffer | Uint8Array, geometry: ImageGeometry): Promise<Uint8Array> {
  const data = await decodeToInput(input, geometry);
  if (data.length !== imageSize(geometry)) throw new Error(`decoded to ${data.length} values, expected ${geometry.width}x${geometry.height}x${geometry.channels}`);
  return data;
}
