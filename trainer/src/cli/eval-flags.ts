/** `amft eval`'s flags: one zod object from which parsing, their types and --help are derived. */
import { z } from 'zod';
import type { CommandSpec } from './command.js';
import { DataFlags, DecodeFlags } from './flags.js';

export const EvalFlags = z.object({
  checkpoint: z.string().min(1).meta({ arg: 'dir', description: 'A checkpoint directory (<run>/checkpoints/best or last).' }),
  out: z.string().min(1).meta({ arg: 'dir', description: 'Where report.json, report.md and confusion.png are written.' }),
  batchSize: z.coerce.number().int().positive().default(128).meta({ arg: 'n', description: 'Images per forward pass.' }),
  title: z.string().optional().meta({ arg: 'text', description: 'The report title.', defaultText: 'Evaluation of <data>' }),
  ...DataFlags,
  ...DecodeFlags,
});

export const EVAL: CommandSpec<typeof EvalFlags> = {
  name: 'eval',
  summary: 'evaluate a checkpoint on a dataset',
  flags: EvalFlags,
  headings: { data: 'data' },
};
