import type { ClassificationReport } from '@amft/shared';
import { svgText, writeSvgPng } from './svg.js';

const CELL = 64;
const LEFT = 110;
const TOP = 70;

/**
 * The confusion matrix as a heatmap (rows: true class, columns: predicted), each cell shaded by
 * its share of the row and labelled with its count, written as PNG to `file`.
 */
export async function writeConfusionPng(report: ClassificationReport, file: string, title = 'Confusion matrix'): Promise<void> {
  await writeSvgPng(confusionSvg(report, title), file);
}

/** Cell fill for a row share in [0, 1]: white to dark blue. */
export function cellColor(share: number): [number, number, number] {
  const t = Math.max(0, Math.min(1, share));
  return [Math.round(255 - t * (255 - 8)), Math.round(255 - t * (255 - 48)), Math.round(255 - t * (255 - 107))];
}

export function confusionSvg(report: ClassificationReport, title: string): string {
  const k = report.labels.length;
  const width = LEFT + k * CELL + 20;
  const height = TOP + k * CELL + 20;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    svgText(width / 2, 24, `${title} (accuracy ${(100 * report.accuracy).toFixed(1)}%, n=${report.count})`, { size: 15, anchor: 'middle', weight: 'bold' }),
    svgText(LEFT + (k * CELL) / 2, TOP - 28, 'predicted', { anchor: 'middle' }),
  ];
  report.confusionMatrix.forEach((row, r) => {
    const total = row.reduce((a, b) => a + b, 0);
    const y = TOP + r * CELL;
    parts.push(svgText(LEFT - 8, y + CELL / 2 + 4, report.labels[r], { anchor: 'end' }));
    row.forEach((count, c) => {
      const x = LEFT + c * CELL;
      const share = total > 0 ? count / total : 0;
      const [R, G, B] = cellColor(share);
      parts.push(`<rect x="${x}" y="${y}" width="${CELL}" height="${CELL}" fill="rgb(${R},${G},${B})" stroke="#cccccc"/>`);
      parts.push(svgText(x + CELL / 2, y + CELL / 2 + 5, String(count), { size: 14, anchor: 'middle', fill: share > 0.5 ? '#ffffff' : '#000000' }));
    });
  });
  report.labels.forEach((l, c) => parts.push(svgText(LEFT + c * CELL + CELL / 2, TOP - 8, l, { anchor: 'middle' })));
  parts.push(svgText(14, TOP + (k * CELL) / 2, 'true', { anchor: 'middle', transform: `rotate(-90 14 ${TOP + (k * CELL) / 2})` }));
  parts.push('</svg>');
  return parts.join('\n');
}
