// Test fixtures made on the fly: small images written with sharp, CSVs, temp directories.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';

export async function tempDir(t: { teardown: (fn: () => unknown) => void }, name = 'amft-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), name));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A size x size image of one gray value with a brighter square (so flips and crops show). */
export function grayPixels(value: number, size = 16, channels: 1 | 3 = 1): Buffer {
  const px = Buffer.alloc(size * size * channels, value);
  for (let y = 2; y < 6; y++) for (let x = 2; x < 6; x++) for (let c = 0; c < channels; c++) px[(y * size + x) * channels + c] = Math.min(255, value + 60);
  return px;
}

/** Writes an image file (format by extension: .png or .jpg) of grayPixels(value). */
export async function writeImage(path: string, value: number, opts: { size?: number; channels?: 1 | 3 } = {}): Promise<void> {
  const size = opts.size ?? 16;
  const channels = opts.channels ?? 1;
  await mkdir(dirname(path), { recursive: true });
  const img = sharp(grayPixels(value, size, channels), { raw: { width: size, height: size, channels } });
  await (path.endsWith('.png') ? img.png() : img.jpeg({ quality: 95 })).toFile(path);
}

export async function writeText(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
}

/** A FER2013 pixel string: 48x48 values from `f(i)`. */
export function ferPixels(f: (i: number) => number = (i) => i % 256): string {
  return Array.from({ length: 48 * 48 }, (_, i) => f(i)).join(' ');
}

/**
 * An image-folder dataset `root/<class>/<i>.png`: `perClass` images each of `dark` (angry,
 * values ~40) and `bright` (happy, values ~200), slightly varied so that they differ.
 */
export async function writeBrightDarkFolder(root: string, perClass: number, size = 16): Promise<void> {
  const jobs: Array<Promise<void>> = [];
  for (let i = 0; i < perClass; i++) {
    jobs.push(writeImage(join(root, 'angry', `${i}.png`), 30 + (i % 5) * 5, { size }));
    jobs.push(writeImage(join(root, 'happy', `${i}.png`), 190 + (i % 5) * 5, { size }));
  }
  await Promise.all(jobs);
}
