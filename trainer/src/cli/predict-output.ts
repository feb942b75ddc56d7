/**
 * How `amft predict` shows its results: a table for people, and images with the faces boxed and
 * labelled (`--annotate`).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { annotateImage, type ImageResultJson } from '@amft/service/dist/local-predictor.js';

export interface FilePrediction {
  file: string;
  result: ImageResultJson;
  /** --track only. */
  tracked?: boolean;
}

/** One row per face (a row with `-` for an image without one), columns aligned. */
export function formatTable(rows: FilePrediction[]): string {
  const cells = [['file', 'face', 'box (x,y,w,h)', 'label', 'confidence']];
  for (const { file, result } of rows) {
    if (result.faces.length === 0) cells.push([file, '-', `no face (${result.detection})`, '-', '-']);
    result.faces.forEach((f, i) => {
      const b = f.box;
      const box = [b.x, b.y, b.width, b.height].map((v) => Math.round(v)).join(',');
      cells.push([file, String(i + 1), result.detection === 'detected' ? box : `${box} (${result.detection})`, f.expression.label, `${(100 * f.expression.confidence).toFixed(1)}%`]);
    });
  }
  const widths = cells[0].map((_, c) => Math.max(...cells.map((r) => r[c].length)));
  return `${cells.map((r) => r.map((v, c) => (c === r.length - 1 ? v.padStart(widths[c]) : v.padEnd(widths[c]))).join('  ').trimEnd()).join('\n')}\n`;
}

/** Writes `<dir>/<name>.png`: the image upright (EXIF applied, as decoded) with each face boxed and labelled, as /predict?annotate=1 draws it. */
export async function writeAnnotated(p: FilePrediction, dir: string): Promise<string> {
  const out = join(dir, `${basename(p.file, extname(p.file))}.png`);
  await writeFile(out, await annotateImage(await readFile(p.file), p.result.faces));
  return out;
}
