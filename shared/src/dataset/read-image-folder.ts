import { readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { parseLabel } from '../labels.js';
import { DataError } from './bad-rows.js';
import type { ListedSamples } from './read-manifest.js';

export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png']);

/**
 * Lists `root/<class>/*.{jpg,jpeg,png}`, class folders named by label (or class index). A folder
 * that names no class is a bad row (its images are left out in skip mode); other files are ignored.
 * The order is deterministic: by class index, then file name.
 */
export async function readImageFolder(root: string): Promise<ListedSamples> {
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (err) {
    throw new DataError(`${root}: cannot read image folder: ${(err as Error).message}`);
  }
  const classDirs: Array<{ dir: string; label: number }> = [];
  const bad: ListedSamples['bad'] = [];
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    const label = parseLabel(e.name);
    if (label === undefined) bad.push({ where: join(root, e.name), reason: `unknown class folder '${e.name}'` });
    else classDirs.push({ dir: join(root, e.name), label });
  }
  classDirs.sort((a, b) => a.label - b.label || a.dir.localeCompare(b.dir));
  const samples: ListedSamples['samples'] = [];
  for (const { dir, label } of classDirs) {
    const names = (await readdir(dir)).filter((n) => IMAGE_EXTENSIONS.has(extname(n).toLowerCase())).sort();
    for (const n of names) samples.push({ source: join(dir, n), label });
  }
  return { samples, bad };
}
