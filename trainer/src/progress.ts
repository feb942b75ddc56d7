/**
 * Progress of anything a person waits for (decoding a dataset, a validation pass, `amft eval`,
 * `amft export` and its parity check, `amft predict`): on a terminal one line, redrawn, with a
 * bar, the rate and the ETA; otherwise (a log file, CI) a log line every `everyMs` and one at
 * the end. Work loops only call a `ProgressSink` (done, total): they do not know how it is shown.
 */
import { formatDuration } from './train/progress.js';

/** What a long loop reports: `done` of `total` units so far. */
export type ProgressSink = (done: number, total: number) => void;

export interface ProgressLog {
  info(obj: object, msg?: string): void;
}

export interface ProgressOptions {
  /** What is being done, e.g. 'decode train', 'validation', 'parity check'. */
  label: string;
  total: number;
  /** Unit of `total` for the rate, e.g. 'images'. */
  unit?: string;
  /** Terminal output (default stderr); the bar is drawn only when `stream.isTTY`. */
  stream?: { isTTY?: boolean; write(text: string): unknown };
  /** Where the periodic lines go when the stream is not a terminal (default: the stream, as text). */
  log?: ProgressLog;
  /** Non-terminal: at most one line per this many ms (default 10 s). */
  everyMs?: number;
  /** Clock in ms (tests). */
  now?: () => number;
}

const BAR_WIDTH = 24;
const REDRAW_MS = 100;

export class ProgressBar {
  private doneCount = 0;
  private lastDraw = -Infinity;
  private finished = false;
  private emitted = false;
  private readonly t0: number;
  private readonly now: () => number;
  private readonly stream: { isTTY?: boolean; write(text: string): unknown };
  private readonly tty: boolean;

  constructor(private readonly opts: ProgressOptions) {
    this.now = opts.now ?? (() => performance.now());
    this.t0 = this.now();
    this.stream = opts.stream ?? process.stderr;
    this.tty = this.stream.isTTY === true;
    this.lastDraw = this.tty ? -Infinity : this.t0;
  }

  /** Reports progress as a sink: `bar.sink` can be handed to a work loop. */
  readonly sink: ProgressSink = (done, total) => this.update(done, total);

  tick(n = 1): void {
    this.update(this.doneCount + n);
  }

  update(done: number, total = this.opts.total): void {
    this.doneCount = done;
    this.opts.total = total;
    const t = this.now();
    if (t - this.lastDraw < (this.tty ? REDRAW_MS : (this.opts.everyMs ?? 10_000))) return;
    this.lastDraw = t;
    this.emit(false);
  }

  /** The final line (newline-terminated on a terminal). Idempotent. */
  done(): void {
    if (this.finished) return;
    this.finished = true;
    // Off a terminal, work that ended before its first periodic line (under a second) says nothing.
    if (this.tty || this.emitted || this.now() - this.t0 >= 1000) this.emit(true);
  }

  /** e.g. `validation [##########----------] 412/1000 images 41% 83.2 images/s ETA 7s` */
  line(): string {
    const { label, total, unit = '' } = this.opts;
    const seconds = (this.now() - this.t0) / 1000;
    const frac = total > 0 ? Math.min(1, this.doneCount / total) : 1;
    const rate = seconds > 0 ? this.doneCount / seconds : 0;
    const eta = this.doneCount > 0 ? (seconds / this.doneCount) * (total - this.doneCount) : NaN;
    const filled = Math.round(frac * BAR_WIDTH);
    const bar = this.tty ? ` [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]` : '';
    const u = unit ? ` ${unit}` : '';
    const tail = this.finished ? `in ${formatDuration(seconds)}` : `ETA ${formatDuration(eta)}`;
    return `${label}${bar} ${this.doneCount}/${total}${u} ${(100 * frac).toFixed(0)}% ${rate.toFixed(1)}${u}/s ${tail}`;
  }

  private emit(final: boolean): void {
    const line = this.line();
    this.emitted = true;
    if (this.tty) this.stream.write(`\r\x1b[2K${line}${final ? '\n' : ''}`);
    else if (this.opts.log) this.opts.log.info({ progress: this.opts.label, done: this.doneCount, total: this.opts.total }, line);
    else this.stream.write(`${line}\n`);
  }
}

export function progress(opts: ProgressOptions): ProgressBar {
  return new ProgressBar(opts);
}

/** Runs `work` with a progress display fed by the sink it is given; the total comes from the sink. */
export async function withProgress<T>(opts: Omit<ProgressOptions, 'total'> & { total?: number }, work: (sink: ProgressSink) => Promise<T>): Promise<T> {
  const bar = progress({ ...opts, total: opts.total ?? 0 });
  try {
    return await work(bar.sink);
  } finally {
    bar.done();
  }
}
