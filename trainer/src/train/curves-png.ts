import { writeFile } from 'node:fs/promises';
import type { EpochMetrics } from './checkpoint.js';
import { svgText, writeSvgPng } from '../evaluate/svg.js';

const W = 960;
const H = 360;
const PANEL_W = 400;
const PANEL_H = 250;
const MARGIN = { left: 60, top: 40 };
const TRAIN = '#1f77b4';
const VAL = '#ff7f0e';

/**
 * Training curves, loss (left) and accuracy in % (right) per epoch, train and validation: written
 * as `file` (PNG) and beside it as SVG (same name, .svg), which scales for documents.
 */
export async function writeCurvesPng(history: readonly EpochMetrics[], file: string): Promise<void> {
  const svg = curvesSvg(history);
  await writeFile(file.replace(/\.png$/i, '') + '.svg', `${svg}\n`);
  await writeSvgPng(svg, file);
}

export function curvesSvg(history: readonly EpochMetrics[]): string {
  const epochs = history.map((h) => h.epoch);
  const pct = (v: number | undefined) => (v === undefined ? undefined : 100 * v);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    panel(MARGIN.left, { title: 'loss', unit: '' }, epochs, [
      { name: 'train', color: TRAIN, values: history.map((h) => h.trainLoss) },
      { name: 'val', color: VAL, values: history.map((h) => h.valLoss) },
    ]),
    panel(MARGIN.left + PANEL_W + 80, { title: 'accuracy (%)', unit: '%', min: 0, max: 100 }, epochs, [
      { name: 'train', color: TRAIN, values: history.map((h) => pct(h.trainAccuracy)) },
      { name: 'val', color: VAL, values: history.map((h) => pct(h.valAccuracy)) },
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

interface Axis {
  title: string;
  /** Appended to each tick label. */
  unit: string;
  /** Bounds the axis never goes past (accuracy: 0..100). */
  min?: number;
  max?: number;
}

export interface Ticks {
  /** Axis range, a whole number of steps. */
  lo: number;
  hi: number;
  step: number;
  values: number[];
  /** Decimals that show every tick exactly. */
  decimals: number;
}

/**
 * Round tick values over [lo, hi]: a step of 1, 2, 2.5 or 5 times a power of ten giving at most
 * `maxTicks` intervals, the range widened to whole steps (1.1, 1.2, 1.3 ... not 1.117, 1.321).
 * `integer` keeps steps of at least 1 (epochs).
 */
export function niceTicks(lo: number, hi: number, maxTicks = 5, integer = false): Ticks {
  if (!(hi > lo)) [lo, hi] = [lo - (integer ? 1 : 0.5), hi + (integer ? 1 : 0.5)];
  const raw = (hi - lo) / maxTicks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  let step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw * (1 - 1e-9)) ?? 10 * mag;
  if (integer) step = Math.max(1, Math.round(step));
  const a = Math.floor(lo / step + 1e-9);
  const b = Math.ceil(hi / step - 1e-9);
  const values = Array.from({ length: b - a + 1 }, (_, i) => +((a + i) * step).toPrecision(12));
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9) + (Math.abs(step / 10 ** Math.floor(Math.log10(step) + 1e-9) - 2.5) < 1e-9 ? 1 : 0));
  return { lo: values[0], hi: values[values.length - 1], step, values, decimals };
}

function panel(x0: number, axis: Axis, epochs: number[], series: Series[]): string {
  const y0 = MARGIN.top;
  const shown = series.filter((s) => s.values.some((v) => v !== undefined && Number.isFinite(v)));
  const all = shown.flatMap((s) => s.values.filter((v): v is number => v !== undefined && Number.isFinite(v)));
  const yt = niceTicks(all.length ? Math.min(...all) : 0, all.length ? Math.max(...all) : 1);
  const lo = Math.max(yt.lo, axis.min ?? -Infinity);
  const hi = Math.min(yt.hi, axis.max ?? Infinity);
  const xt = niceTicks(epochs[0] ?? 1, epochs[epochs.length - 1] ?? 1, 8, true);
  const px = (e: number) => x0 + ((e - xt.lo) / (xt.hi - xt.lo)) * PANEL_W;
  const py = (v: number) => y0 + PANEL_H - ((v - lo) / (hi - lo)) * PANEL_H;
  const out = [svgText(x0, y0 - 12, axis.title, { size: 14 })];
  for (const v of yt.values.filter((v) => v >= lo - 1e-9 && v <= hi + 1e-9)) {
    const y = py(v).toFixed(1);
    out.push(`<line x1="${x0}" y1="${y}" x2="${x0 + PANEL_W}" y2="${y}" stroke="#e5e5e5"/>`);
    out.push(svgText(x0 - 6, py(v) + 4, `${v.toFixed(yt.decimals)}${axis.unit}`, { size: 11, anchor: 'end' }));
  }
  for (const e of xt.values) {
    const x = px(e).toFixed(1);
    out.push(`<line x1="${x}" y1="${y0}" x2="${x}" y2="${y0 + PANEL_H}" stroke="#f0f0f0"/>`);
    out.push(svgText(px(e), y0 + PANEL_H + 16, String(e), { size: 11, anchor: 'middle' }));
  }
  out.push(
    `<rect x="${x0}" y="${y0}" width="${PANEL_W}" height="${PANEL_H}" fill="none" stroke="#444444"/>`,
    svgText(x0 + PANEL_W / 2, y0 + PANEL_H + 34, 'epoch', { size: 12, anchor: 'middle' }),
  );
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
