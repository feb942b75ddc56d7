/**
 * A strip of the last `windowMs` of smoothed labels: one row per track (the most recent
 * `maxRows`), a coloured segment per frame, time running right to "now".
 */
import { labelColor } from './labels.js';

interface Sample {
  t: number;
  id: number;
  label: string;
}

export class Timeline {
  private samples: Sample[] = [];

  constructor(
    private readonly canvas: HTMLCanvasElement,
    readonly windowMs = 20_000,
    private readonly maxRows = 4,
  ) {}

  push(t: number, tracks: readonly { id: number; label: string }[]): void {
    for (const tr of tracks) this.samples.push({ t, id: tr.id, label: tr.label });
    this.samples = this.samples.filter((s) => t - s.t <= this.windowMs);
  }

  clear(): void {
    this.samples = [];
    this.draw(performance.now());
  }

  draw(now: number): void {
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    const { width, height } = this.canvas;
    const axis = 16;
    ctx.clearRect(0, 0, width, height);
    ctx.fillStyle = '#f4f5f7';
    ctx.fillRect(0, 0, width, height - axis);
    const ids = [...new Set(this.samples.map((s) => s.id))].slice(-this.maxRows);
    const rowH = (height - axis) / Math.max(1, ids.length);
    const x = (t: number) => width - ((now - t) / this.windowMs) * width;
    ids.forEach((id, row) => {
      const mine = this.samples.filter((s) => s.id === id);
      mine.forEach((s, k) => {
        const next = mine[k + 1]?.t ?? Math.min(now, s.t + 1000);
        ctx.fillStyle = labelColor(s.label);
        ctx.fillRect(x(s.t), row * rowH + 1, Math.max(1, x(next) - x(s.t)), rowH - 2);
      });
      ctx.fillStyle = '#333';
      ctx.font = '11px system-ui, sans-serif';
      ctx.textBaseline = 'top';
      ctx.fillText(`#${id}`, 3, row * rowH + 3);
    });
    ctx.fillStyle = '#555';
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'bottom';
    for (let s = 0; s <= this.windowMs / 1000; s += 5) {
      const label = s === 0 ? 'now' : `-${s} s`;
      const px = width - (s * 1000 * width) / this.windowMs;
      ctx.fillRect(px - 0.5, height - axis, 1, 4);
      ctx.fillText(label, Math.min(width - ctx.measureText(label).width, Math.max(0, px - ctx.measureText(label).width / 2)), height);
    }
  }
}
