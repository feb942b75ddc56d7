/** What a reader does with a row it cannot use: report and drop it, or stop before training. */
export type OnBadRow = 'skip' | 'fail';

/**
 * One unusable input: `where` is `file:line` for CSV rows (and `line` its 1-based line number),
 * the file path for images.
 */
export interface BadRow {
  where: string;
  line?: number;
  reason: string;
}

/** The data could not be used; `rows` lists every bad row found (the message shows the first ones). */
export class DataError extends Error {
  constructor(
    message: string,
    readonly rows: readonly BadRow[] = [],
  ) {
    super(message);
    this.name = 'DataError';
  }
}

const SHOWN = 20;

export function formatBadRows(rows: readonly BadRow[], limit = SHOWN): string {
  const lines = rows.slice(0, limit).map((r) => `  ${r.where}: ${r.reason}`);
  if (rows.length > limit) lines.push(`  ... and ${rows.length - limit} more`);
  return lines.join('\n');
}

/** In 'fail' mode throws a DataError listing the bad rows of `what`; in 'skip' mode returns. */
export function settleBadRows(rows: readonly BadRow[], onBadRow: OnBadRow, what: string): void {
  if (rows.length === 0 || onBadRow === 'skip') return;
  throw new DataError(
    `${what}: ${rows.length} bad row${rows.length === 1 ? '' : 's'} (pass --on-bad-row skip to leave them out):\n${formatBadRows(rows)}`,
    rows,
  );
}
