// A benchmark's Markdown report: printed on stdout and written to its file (bench/results/, git-ignored).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export function writeReport(lines: readonly string[], out: string): void {
  const text = lines.join('\n');
  process.stdout.write(`${text}\n`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, text);
  process.stderr.write(`written to ${out}\n`);
}
