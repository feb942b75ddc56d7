import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { reportToMarkdown, type ClassificationReport } from '@amft/shared';
import { writeConfusionPng } from './confusion-png.js';

export interface ReportFiles {
  json: string;
  markdown: string;
  png: string;
}

/**
 * Writes `report.json` (the ClassificationReport plus `extra`), `report.md` (reportToMarkdown)
 * and `confusion.png` into `dir`.
 */
export async function writeReport(dir: string, report: ClassificationReport, opts: { title?: string; extra?: Record<string, unknown> } = {}): Promise<ReportFiles> {
  await mkdir(dir, { recursive: true });
  const files = { json: join(dir, 'report.json'), markdown: join(dir, 'report.md'), png: join(dir, 'confusion.png') };
  const title = opts.title ?? 'Evaluation';
  await writeFile(files.json, JSON.stringify({ ...opts.extra, ...report }, null, 2));
  await writeFile(files.markdown, reportToMarkdown(report, title));
  await writeConfusionPng(report, files.png, title);
  return files;
}
