/**
 * CSV rows with their line numbers, parsed by csv-parse as a stream fed in small chunks so a
 * large file does not hold the event loop. Structural problems (an unclosed quote, binary
 * garbage, no header) are FER_ERR_BAD_CSV; rows with the wrong number of cells are given to the
 * caller to report as bad rows.
 */
import { Readable } from 'node:stream';
import { parse, CsvError } from 'csv-parse';
import { BadCsvError } from '../../errors.js';

export interface CsvRow {
  /** 1-based line number of the row's last line in the file. */
  line: number;
  cells: string[];
}

const CHUNK = 64 * 1024;

function* chunks(text: string): Generator<string> {
  for (let i = 0; i < text.length; i += CHUNK) yield text.slice(i, i + CHUNK);
}

export async function* csvRows(text: string): AsyncGenerator<CsvRow> {
  if (text.includes('\0')) throw new BadCsvError('the file contains NUL bytes (is it binary?)');
  const parser = parse({ info: true, bom: true, skip_empty_lines: true, relax_column_count: true, trim: true, max_record_size: 4 * 1024 * 1024 });
  const source = Readable.from(chunks(text), { objectMode: false });
  source.on('error', (err) => parser.destroy(err));
  source.pipe(parser);
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      yield { line: item.info.lines, cells: item.record };
    }
  } catch (err) {
    if (err instanceof CsvError || (err as { code?: string }).code?.startsWith('CSV_')) throw new BadCsvError((err as Error).message);
    throw err;
  } finally {
    source.destroy();
    parser.destroy();
  }
}
