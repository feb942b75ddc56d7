/** Faces drawn on a canvas: box and tab in the label's colour, keypoints, "label 87%". */
import { labelColor, pct } from './labels.js';
import type { Box, Point } from './schemas.js';

export interface DrawnFace {
  box: Box;
  landmarks?: Record<string, Point>;
  label: string;
  confidence: number;
  /** Shown before the label (e.g. a track number). */
  tag?: string;
}

/** Draws `faces` given in image pixels onto `ctx`, whose canvas has the image's size. */
export function drawFaces(ctx: CanvasRenderingContext2D, faces: readonly DrawnFace[]): void {
  const { width, height } = ctx.canvas;
  const line = Math.max(2, Math.round(Math.min(width, height) / 200));
  const font = Math.max(12, Math.round(Math.min(width, height) / 30));
  ctx.save();
  ctx.font = `bold ${font}px system-ui, sans-serif`;
  ctx.textBaseline = 'middle';
  for (const f of faces) {
    const color = labelColor(f.label);
    const { x, y, width: w, height: h } = f.box;
    ctx.strokeStyle = color;
    ctx.lineWidth = line;
    ctx.strokeRect(x, y, w, h);

    const text = `${f.tag ? `${f.tag} ` : ''}${f.label} ${pct(f.confidence)}`;
    const tabH = Math.round(font * 1.4);
    const tabW = Math.ceil(ctx.measureText(text).width + font * 0.6);
    const tabY = y - tabH >= 0 ? y - tabH : y;
    ctx.fillStyle = color;
    ctx.fillRect(x - line / 2, tabY, tabW, tabH);
    ctx.fillStyle = '#111';
    ctx.fillText(text, x + font * 0.3 - line / 2, tabY + tabH / 2);

    for (const p of Object.values(f.landmarks ?? {})) {
      ctx.beginPath();
      ctx.arc(p.x, p.y, line * 1.5, 0, 2 * Math.PI);
      ctx.fillStyle = color;
      ctx.fill();
      ctx.lineWidth = 1;
      ctx.strokeStyle = '#111';
      ctx.stroke();
    }
  }
  ctx.restore();
}
