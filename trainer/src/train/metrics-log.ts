import { appendFile, readFile, rename, writeFile } from 'node:fs/promises';

/** A record of metrics.jsonl: a step sample, a finished epoch, or a resumption. */
export type MetricsRecord =
  | { type: 'step'; step: number; epoch: number; loss: number; accuracy: number; lr: number }
  | ({ type: 'epoch' } & Record<string, unknown> & { step: number })
  | { type: 'resume'; step: number; from: string };

/** Appends JSON lines to a metrics log; on resume, drops what came after the checkpoint. */
export class MetricsLog {
  constructor(readonly file: string) {}

  async append(record: MetricsRecord): Promise<void> {
    await appendFile(this.file, `${JSON.stringify(record)}\n`);
  }

  /** Keeps only records up to `step` (those of steps a resumed run will redo are dropped). */
  async truncateAfter(step: number): Promise<void> {
    const text = await readFile(this.file, 'utf8').catch(() => '');
    const kept = text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .filter((l) => {
        try {
          return (JSON.parse(l) as MetricsRecord).step <= step;
        } catch {
          return false; // a line cut short by a kill
        }
      });
    const tmp = `${this.file}.tmp-${process.pid}`;
    await writeFile(tmp, kept.map((l) => `${l}\n`).join(''));
    await rename(tmp, this.file);
  }
}
