import { parseLabel } from '../labels.js';
import { DataError, type BadRow } from './bad-rows.js';
import { csvName, csvRecords, type CsvInput, type CsvOptions } from './csv-records.js';
import type { Sample } from './read-manifest.js';

export const FER2013_USAGES = ['Training', 'PublicTest', 'PrivateTest'] as const;
export type Fer2013Usage = (typeof FER2013_USAGES)[number];

/** FER2013 images are 48x48 gray: a pixel row has exactly this many values. */
export const FER2013_SIDE = 48;
const PIXELS = FER2013_SIDE * FER2013_SIDE;

export interface Fer2013Rows {
  /** Each sample's source is `file:line`. */
  samples: Sample[];
  /** The line of each sample. */
  lines: number[];
  /** 48x48 gray images, one after the other (`samples.length * 2304` bytes). */
  pixels: Uint8Array;
  bad: BadRow[];
}

/** A usage filter was asked of a FER2013 CSV whose header has no Usage column. */
export class UsageColumnError extends DataError {
  override name = 'UsageColumnError';
}

/**
 * Reads the original FER2013 CSV (`emotion,pixels,Usage`; the header is optional, and without one
 * the columns are taken in that order). Rows of other usages than `usage` are passed over. A row
 * with an unknown emotion or a pixel string that is not 2304 integers in 0..255 is a bad row.
 */
export async function readFer2013Csv(input: CsvInput, usage?: string, opts: CsvOptions = {}): Promise<Fer2013Rows> {
  const name = csvName(input);
  const chunks: Uint8Array[] = [];
  const samples: Sample[] = [];
  const lines: number[] = [];
  const bad: BadRow[] = [];
  let cols = { emotion: 0, pixels: 1, usage: 2 };
  let first = true;
  for await (const { fields, line } of csvRecords(input, opts)) {
    const where = `${name}:${line}`;
    if (first) {
      first = false;
      const names = fields.map((f) => f.toLowerCase());
      if (names.includes('pixels')) {
        cols = { emotion: names.indexOf('emotion'), pixels: names.indexOf('pixels'), usage: names.indexOf('usage') };
        if (cols.emotion < 0) throw new DataError(`${where}: header has no 'emotion' column`);
        if (usage && cols.usage < 0) throw new UsageColumnError(`${where}: usage ${usage} asked for, but the header has no 'Usage' column`);
        continue;
      }
    }
    const needed = Math.max(cols.emotion, cols.pixels, usage ? cols.usage : -1) + 1;
    if (fields.length < needed) {
      bad.push({ where, line, reason: `expected at least ${needed} fields (emotion,pixels${usage ? ',Usage' : ''}), got ${fields.length}` });
      continue;
    }
    if (usage && fields[cols.usage] !== usage) continue;
    const label = parseLabel(fields[cols.emotion]);
    if (label === undefined) {
      bad.push({ where, line, reason: `unknown emotion '${fields[cols.emotion].slice(0, 40)}'` });
      continue;
    }
    const pixels = parsePixels(fields[cols.pixels]);
    if (typeof pixels === 'string') {
      bad.push({ where, line, reason: pixels });
      continue;
    }
    chunks.push(pixels);
    samples.push({ source: where, label });
    lines.push(line);
  }
  const all = new Uint8Array(chunks.length * PIXELS);
  chunks.forEach((c, i) => all.set(c, i * PIXELS));
  return { samples, lines, pixels: all, bad };
}

/** 2304 whitespace-separated integers in 0..255, or the reason they are not. */
export function parsePixels(text: string): Uint8Array | string {
  const out = new Uint8Array(PIXELS);
  let count = 0;
  let value = -1; // -1: not inside a number
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 32;
    if (c >= 48 && c <= 57) {
      if (value < 0) {
        value = 0;
        start = i;
      }
      value = value * 10 + (c - 48);
    } else if (c === 32 || c === 9 || c === 10 || c === 13) {
      if (value < 0) continue;
      if (value > 255) return `pixels: value '${text.slice(start, i)}' at position ${count + 1} is not an integer in 0..255`;
      if (count < PIXELS) out[count] = value;
      count += 1;
      value = -1;
    } else {
      let end = i;
      while (end < text.length && !/\s/.test(text[end])) end++;
      const token = text.slice(value < 0 ? i : start, end).slice(0, 20);
      return `pixels: value '${token}' at position ${count + 1} is not an integer in 0..255`;
    }
  }
  if (count !== PIXELS) return `pixels: expected ${PIXELS} values (48x48), got ${count} pixel values`;
  return out;
}
