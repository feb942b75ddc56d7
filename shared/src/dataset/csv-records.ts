import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { parse, CsvError } from 'csv-parse';
import { DataError } from './bad-rows.js';

export interface CsvRecord {
  fields: string[];
  /** 1-based line number of the record (its last line, should a quoted field span lines). */
  line: number;
}

/** A CSV file on disk, or CSV text already in memory (an upload) with the name to report it by. */
export type CsvInput = { file: string } | { text: string; name: string };

export interface CsvOptions {
  /** Refuse (RowLimitError) a CSV with more records than this, header included. */
  maxRecords?: number;
}

/** The CSV has more records than `CsvOptions.maxRecords`. */
export class RowLimitError extends DataError {
  override name = 'RowLimitError';
  constructor(
    where: string,
    readonly limit: number,
  ) {
    super(`${where}: more than ${limit} records`);
  }
}

/** Longest record accepted: a FER2013 row is about 9 KB; 4 MiB is garbage, not a row. */
const MAX_RECORD_BYTES = 4 * 1024 * 1024;
/** Text is fed to the parser in chunks this long, so a large upload does not hold the event loop. */
const CHUNK = 64 * 1024;

export function csvName(input: CsvInput): string {
  return 'file' in input ? input.file : input.name;
}

function* chunks(text: string): Generator<string> {
  for (let i = 0; i < text.length; i += CHUNK) yield text.slice(i, i + CHUNK);
}

/**
 * Streams the records of a CSV with their line numbers. Rows with a different number of fields
 * are passed through (the caller reports them); empty lines are skipped; fields are trimmed.
 * Input that is not CSV at all (an unclosed quote, NUL bytes, ...) ends in a DataError naming
 * the line.
 */
export async function* csvRecords(input: CsvInput, opts: CsvOptions = {}): AsyncGenerator<CsvRecord> {
  const name = csvName(input);
  if ('text' in input && input.text.includes('\0')) throw new DataError(`${name}: not a readable CSV file: it contains NUL bytes (is it binary?)`);
  const parser = parse({ info: true, relax_column_count: true, skip_empty_lines: true, trim: true, bom: true, max_record_size: MAX_RECORD_BYTES });
  const source = 'file' in input ? createReadStream(input.file) : Readable.from(chunks(input.text), { objectMode: false });
  source.on('error', (err: Error) => parser.destroy(err));
  source.pipe(parser);
  let count = 0;
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (opts.maxRecords !== undefined && ++count > opts.maxRecords) throw new RowLimitError(`${name}:${item.info.lines}`, opts.maxRecords);
      yield { fields: item.record, line: item.info.lines };
    }
  } catch (err) {
    if (err instanceof CsvError || (err as { code?: string }).code?.startsWith('CSV_')) {
      const line = (err as CsvError & { lines?: number }).lines;
      throw new DataError(`${name}${line ? `:${line}` : ''}: not a readable CSV file: ${(err as Error).message}`);
    }
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new DataError(`${name}: file not found`);
    throw err;
  } finally {
    source.destroy();
    parser.destroy();
  }
}
