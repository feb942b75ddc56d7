// Composed photos for the service benchmark's detection cases (bench/service.ts): copies of the
// astronaut's face pasted at known sizes onto a textured background (the tests' group pictures,
// services/test/fixtures/group-picture.ts), encoded as JPEG at run time. Nothing is committed.
import { existsSync } from 'node:fs';
import sharp from 'sharp';
import { groupPicture, rows } from '../services/test/fixtures/group-picture.js';
import { ASTRONAUT } from '../test/shared-data.js';

export interface PhotoSet {
  bodies: Buffer[];
  source: string;
}

async function composed(width: number, height: number, sizes: number[], what: string): Promise<PhotoSet> {
  if (!existsSync(ASTRONAUT)) throw new Error(`${ASTRONAUT} is absent: the ${what} case needs it`);
  const { raw } = await groupPicture(width, height, rows(width, height, sizes), sizes.length);
  const body = await sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
  return { bodies: [body], source: `${what}: ${width}x${height} JPEG q90 (${(body.length / 1024).toFixed(0)} KiB), ${sizes.length} faces of ${Math.min(...sizes)}-${Math.max(...sizes)} px composed from astronaut.png` };
}

/** A 1280x720 film still with ten faces of 90-170 px (the example). */
export const tenFaces = () => composed(1280, 720, [90, 100, 110, 120, 130, 140, 150, 160, 170, 95], 'ten faces');

/** A 4096x3072 group photo with twelve faces of 40-400 px. */
export const group4k = () => composed(4096, 3072, [40, 44, 52, 60, 72, 90, 120, 160, 200, 260, 330, 400], '4096 px group');
