/**
 * Flags several `amft` commands share: a dataset (`--data`, `--format`, ...), its validation
 * counterpart (`--val-data`, ...) and how datasets are decoded. Each is a zod field with its
 * description and default, from which parsing, types and --help are derived (@amft/shared/flags).
 */
import { z } from 'zod';
import { DATA_FORMATS, FER2013_USAGES } from '@amft/shared/dataset';
import { BACKEND_ORDER } from '../backend/backend-names.js';

/** One dataset's flags. */
export const DataFlags = {
  data: z
    .string()
    .min(1)
    .meta({ arg: 'path', description: 'A manifest CSV (path,label), a FER2013 CSV (emotion,pixels,Usage) or an image folder (root/<class>/*.jpg).' }),
  format: z.enum(DATA_FORMATS).optional().meta({ description: 'The kind of --data.', defaultText: 'detected from --data' }),
  root: z.string().min(1).optional().meta({ arg: 'dir', description: "Base directory of a manifest's relative paths.", defaultText: "the manifest's directory" }),
  usage: z.enum(FER2013_USAGES).optional().meta({ description: 'FER2013 CSV: the rows of this Usage.', defaultText: 'every row' }),
  maxSamples: z.coerce.number().int().positive().optional().meta({ arg: 'n', description: 'A fixed subset of n samples (keeps the class mix), for quick runs.', defaultText: 'all' }),
};

/** The validation set's flags: those of DataFlags with `val-` before them. */
export const ValDataFlags = {
  valData: DataFlags.data.optional().meta({ description: 'Labelled validation data, read as --data is.', defaultText: 'none' }),
  valFormat: DataFlags.format.meta({ description: 'As --format, for --val-data.', defaultText: 'detected from --val-data' }),
  valRoot: DataFlags.root.meta({ description: 'As --root, for --val-data.', defaultText: "the manifest's directory" }),
  valUsage: DataFlags.usage.meta({ description: 'As --usage, for --val-data.' }),
  valMaxSamples: DataFlags.maxSamples.meta({ description: 'As --max-samples, for --val-data.' }),
};

/** How `amft train` and `amft eval` decode their data, and where they compute. */
export const DecodeFlags = {
  onBadRow: z.enum(['fail', 'skip']).default('fail').meta({ arg: 'mode', description: 'fail: stop before any work if a row is bad (every bad row listed); skip: leave bad rows out.' }),
  cacheDir: z.string().min(1).optional().meta({ arg: 'dir', description: 'Keep decoded datasets here and reuse them.', defaultText: 'no cache' }),
  storeSize: z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .meta({ arg: 'px', description: 'Side length images are kept at in memory.', defaultText: "the source size, at most the model's" }),
  backend: z.enum(BACKEND_ORDER).optional().meta({ description: 'The TensorFlow.js backend.', defaultText: 'the best available' }),
};

/**
 * A comma-separated list of whole numbers as one flag value (`--widths 32,64,128,192` ->
 * [32, 64, 128, 192]): a string to parseArgs and to help, a number array after parsing.
 */
export const commaIntList = z
  .string()
  .regex(/^\d+(,\d+)*$/, 'expected a comma-separated list of whole numbers, e.g. 32,64,128,192')
  .transform((v) => v.split(',').map(Number));
