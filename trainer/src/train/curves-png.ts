import type { EpochMetrics } from './checkpoint.js';
import { svgText, writeSvgPng } from '../evaluate/svg.js';

const W = 960;
const H = 360;
const PANEL_W = 400;
const PANEL_H = 250;
const MARGIN = { left: 60, top: 40 };
const TRAIN = '#1f77b4';
const VAL = '#ff7f0e';

/** Training curves, loss (left) and accuracy (right) per epoch, train and validation, as PNG. */
export async function writeCurvesPng(history: readonly EpochMetrics[], file: string): Promise<void> {
  await writeSvgPng(curvesSvg(history), file);
}

export function curvesSvg(history: readonly EpochMetrics[]): string {
  const epochs = history.map((h) => h.epoch);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    panel(MARGIN.left, 'loss', epochs, [
      { name: 'train', color: TRAIN, values: history.map((h) => h.trainLoss) },
      { name: 'val', color: VAL, values: history.map((h) => h.valLoss) },
    ]),
    panel(MARGIN.left + PANEL_W + 80, 'accuracy', epochs, [
      { name: 'train', color: TRAIN, values: history.map((h) => h.trainAccuracy) },
      { name: 'val', color: VAL, values: history.map((h) => h.valAccuracy) },
    ]),
    '</svg>',
  ];
  return parts.join('\n');
}

interface Series {
  name: string;
  color: string;
  values: Array<number | undefined>;
}

function panel(x0: number, title: string, epochs: number[], series: Series[]): string {
  const y0 = MARGIN.top;
  const shown = series.filter((s) => s.values.some((v) => v !== undefined && Number.isFinite(v)));
  const all = shown.flatMap((s) => s.values.filter((v): v is number => v !== undefined && Number.isFinite(v)));
  let lo = all.length ? Math.min(...all) : 0;
  let hi = all.length ? Math.max(...all) : 1;
  if (hi - lo < 1e-9) [lo, hi] = [lo - 0.5, hi + 0.5];
  const pad = (hi - lo) * 0.05;
  lo -= pad;
  hi += pad;
  const e0 = epochs[0] ?? 0;
  const e1 = epochs[epochs.length - 1] ?? 1;
  const px = (e: number) => x0 + (e1 > e0 ? ((e - e0) / (e1 - e0)) * PANEL_W : PANEL_W / 2);
  const py = (v: number) => y0 + PANEL_H - ((v - lo) / (hi - lo)) * PANEL_H;
  const out = [
    `<rect x="${x0}" y="${y0}" width="${PANEL_W}" height="${PANEL_H}" fill="none" stroke="#444444"/>`,
    svgText(x0, y0 - 12, title, { size: 14 }),
    svgText(x0, y0 + PANEL_H + 18, String(e0), { size: 11, anchor: 'middle' }),
    svgText(x0 + PANEL_W, y0 + PANEL_H + 18, String(e1), { size: 11, anchor: 'middle' }),
    svgText(x0 + PANEL_W / 2, y0 + PANEL_H + 34, 'epoch', { size: 12, anchor: 'middle' }),
  ];
  for (let i = 0; i <= 4; i++) {
    const v = lo + ((hi - lo) * i) / 4;
    const y = py(v).toFixed(1);
    if (i > 0 && i < 4) out.push(`<line x1="${x0}" y1="${y}" x2="${x0 + PANEL_W}" y2="${y}" stroke="#e5e5e5"/>`);
    out.push(svgText(x0 - 6, py(v) + 4, fmt(v), { size: 11, anchor: 'end' }));
  }
  shown.forEach((s, i) => {
    const pts = s.values.flatMap((v, j) => (v !== undefined && Number.isFinite(v) ? [`${px(epochs[j]).toFixed(1)},${py(v).toFixed(1)}`] : []));
    out.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    for (const p of pts) {
      const [cx, cy] = p.split(',');
      out.push(`<circle cx="${cx}" cy="${cy}" r="3" fill="${s.color}"/>`);
    }
    // legend above the panel, right-aligned
    const lx = x0 + PANEL_W - (shown.length - i) * 70;
    out.push(`<line x1="${lx}" y1="${y0 - 16}" x2="${lx + 20}" y2="${y0 - 16}" stroke="${s.color}" stroke-width="2"/>`);
    out.push(svgText(lx + 25, y0 - 12, s.name, { size: 11 }));
  });
  return out.join('\n');
}

function fmt(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(3);
}
