import { z } from 'zod';
import { DATA_FORMATS, FER2013_USAGES } from '@amft/shared/dataset';

/** Where a dataset comes from and how strictly it is read; the CLI's data flags, validated. */
export const DataSource = z.object({
  /** A manifest CSV, a FER2013 CSV, or an image-folder root. */
  path: z.string().min(1),
  /** Detected from the path when omitted. */
  format: z.enum(DATA_FORMATS).optional(),
  /** Base directory of a manifest's relative paths (default: the manifest's directory). */
  root: z.string().min(1).optional(),
  /** FER2013 CSV only: keep rows of this usage. */
  usage: z.enum(FER2013_USAGES).optional(),
  onBadRow: z.enum(['skip', 'fail']).default('fail'),
  /** Keep this many samples, a fixed (seeded) choice that keeps the class mix, for quick runs. */
  maxSamples: z.number().int().positive().optional(),
});
export type DataSource = z.infer<typeof DataSource>;
export type DataSourceInput = z.input<typeof DataSource>;
