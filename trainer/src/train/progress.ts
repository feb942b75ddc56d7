/** What the progress display shows after a step. */
export interface ProgressUpdate {
  epoch: number;
  epochs: number;
  /** Steps done in the whole run, and the run's total. */
  step: number;
  totalSteps: number;
  /** Running means over the current epoch. */
  loss: number;
  accuracy: number;
  lr: number;
}

/**
 * A one-line training progress display with ETA and images/s (measured since this process
 * started training, so a resumed run's ETA is not skewed). On a TTY the line is redrawn after
 * every step; otherwise one line is written every `everySteps` steps and at the end of an epoch.
 */
export class Progress {
  private readonly t0 = performance.now();
  private startStep = -1;
  private images = 0;

  constructor(
    private readonly opts: { everySteps: number; isTTY: boolean; write: (text: string) => void },
  ) {}

  step(u: ProgressUpdate, batchImages: number, epochEnd = false): void {
    if (this.startStep < 0) this.startStep = u.step - 1;
    this.images += batchImages;
    const due = u.step % this.opts.everySteps === 0 || epochEnd || u.step === u.totalSteps;
    if (this.opts.isTTY) this.opts.write(`\r\x1b[2K${this.line(u)}${epochEnd ? '\n' : ''}`);
    else if (due) this.opts.write(`${this.line(u)}\n`);
  }

  /** Images per second since the first step of this process. */
  imagesPerSecond(): number {
    const s = (performance.now() - this.t0) / 1000;
    return s > 0 ? this.images / s : 0;
  }

  line(u: ProgressUpdate): string {
    const seconds = (performance.now() - this.t0) / 1000;
    const done = u.step - this.startStep;
    const eta = done > 0 ? (seconds / done) * (u.totalSteps - u.step) : NaN;
    const pct = ((100 * u.step) / u.totalSteps).toFixed(1);
    return (
      `epoch ${u.epoch}/${u.epochs} step ${u.step}/${u.totalSteps} (${pct}%) ` +
      `loss ${u.loss.toFixed(4)} acc ${(100 * u.accuracy).toFixed(1)}% lr ${u.lr.toExponential(2)} ` +
      `${this.imagesPerSecond().toFixed(0)} img/s ETA ${formatDuration(eta)}`
    );
  }
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(r).padStart(2, '0')}s` : `${r}s`;
}
