import { createReadStream } from 'node:fs';
import { parse, CsvError } from 'csv-parse';
import { DataError } from './bad-rows.js';

export interface CsvRecord {
  fields: string[];
  /** 1-based line number of the record (its last line, should a quoted field span lines). */
  line: number;
}

/**
 * Streams the records of a CSV file with their line numbers. Rows with a different number of
 * fields are passed through (the caller reports them); empty lines are skipped. A file that is
 * not CSV at all (an unclosed quote, ...) ends in a DataError naming the line.
 */
export async function* csvRecords(file: string): AsyncGenerator<CsvRecord> {
  const parser = parse({ info: true, relax_column_count: true, skip_empty_lines: true, trim: true, bom: true });
  const input = createReadStream(file);
  input.on('error', (err) => parser.destroy(err));
  input.pipe(parser);
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      yield { fields: item.record, line: item.info.lines };
    }
  } catch (err) {
    if (err instanceof CsvError) {
      const line = (err as CsvError & { lines?: number }).lines;
      throw new DataError(`${file}${line ? `:${line}` : ''}: not a readable CSV file: ${err.message}`);
    }
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new DataError(`${file}: file not found`);
    throw err;
  }
}
