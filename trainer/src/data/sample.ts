import { NUM_CLASSES, type PreprocessingSpec } from '@amft/shared';
import type { Sample } from '@amft/shared/dataset';

export type { Sample };

/** Size and channels of 8-bit HWC images. */
export interface ImageGeometry {
  height: number;
  width: number;
  channels: 1 | 3;
}

/**
 * Decoded images kept in memory: image i is `pixels.subarray(i * size, (i + 1) * size)` with
 * size = height * width * channels (uint8, HWC), labelled `samples[i].label`.
 */
export interface ImageDataset {
  geometry: ImageGeometry;
  samples: Sample[];
  pixels: Uint8Array;
}

export function imageSize(g: ImageGeometry): number {
  return g.height * g.width * g.channels;
}

export function imageAt(ds: ImageDataset, i: number): Uint8Array {
  const n = imageSize(ds.geometry);
  return ds.pixels.subarray(i * n, (i + 1) * n);
}

export function geometryOf(spec: Pick<PreprocessingSpec, 'height' | 'width' | 'channels'>): ImageGeometry {
  return { height: spec.height, width: spec.width, channels: spec.channels };
}

export function sameGeometry(a: ImageGeometry, b: ImageGeometry): boolean {
  return a.height === b.height && a.width === b.width && a.channels === b.channels;
}

export function classCounts(samples: readonly Sample[], numClasses = NUM_CLASSES): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (const s of samples) counts[s.label] += 1;
  return counts;
}
