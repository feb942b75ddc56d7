import type { Rng } from './rng.js';
import type { ImageGeometry } from './sample.js';

/** Random erasing (Zhong et al., AAAI 2020), with the paper's defaults. */
export interface ErasingOptions {
  /** Probability that an image gets a rectangle. */
  p: number;
  /** Erased area as a fraction of the image, drawn uniformly (paper: s_l 0.02, s_h 0.4). */
  area: readonly [number, number];
  /** Aspect ratio height/width, drawn uniformly from [r1, 1/r1] (paper: r1 0.3). */
  ratio: readonly [number, number];
  /** Tries to find a rectangle that fits inside the image (the reference code's 100). */
  attempts: number;
}

export const erasingOptions = (p: number): ErasingOptions => ({ p, area: [0.02, 0.4], ratio: [0.3, 1 / 0.3], attempts: 100 });

export interface ErasedBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Algorithm 1 of the paper on one uint8 HWC image, in place: with probability p, draw an area
 * fraction and an aspect ratio until the rectangle fits, place it uniformly, and fill each of its
 * pixels (every channel) with a random value in 0..255. Uses only `rng`; draws nothing when p is 0.
 */
export function randomErase(px: Uint8Array, g: ImageGeometry, rng: Rng, o: ErasingOptions): ErasedBox | null {
  if (o.p <= 0 || !rng.chance(o.p)) return null;
  const total = g.height * g.width;
  for (let attempt = 0; attempt < o.attempts; attempt++) {
    const area = rng.uniform(o.area[0], o.area[1]) * total;
    const ratio = rng.uniform(o.ratio[0], o.ratio[1]);
    const height = Math.round(Math.sqrt(area * ratio));
    const width = Math.round(Math.sqrt(area / ratio));
    if (height < 1 || width < 1 || height >= g.height || width >= g.width) continue;
    const y = rng.int(g.height - height + 1);
    const x = rng.int(g.width - width + 1);
    for (let r = y; r < y + height; r++) {
      for (let c = x; c < x + width; c++) {
        const o0 = (r * g.width + c) * g.channels;
        for (let ch = 0; ch < g.channels; ch++) px[o0 + ch] = rng.int(256);
      }
    }
    return { x, y, width, height };
  }
  return null;
}
