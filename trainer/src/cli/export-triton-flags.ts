/** `amft export-triton`'s flags: one zod object from which parsing, their types and --help are derived. */
import { z } from 'zod';
import type { CommandSpec } from './command.js';

const sizes = z
  .string()
  .transform((s) => s.split(',').map((x) => Number(x.trim())))
  .pipe(z.array(z.number().int().min(1)).min(1));

export const ExportTritonFlags = z.object({
  modelDir: z.string().min(1).meta({ arg: 'dir', description: "An 'amft export' directory (model.onnx + metadata.json)." }),
  out: z.string().min(1).meta({ arg: 'dir', description: 'The Triton model repository: <name>/config.pbtxt, <name>/<version>/model.onnx and <name>/labels.txt are written.' }),
  name: z.string().min(1).optional().meta({ description: "The model's name in the repository.", defaultText: "the metadata's name, which the service asks a remote v2 server for" }),
  maxBatchSize: z.coerce.number().int().min(1).max(4096).default(32).meta({ arg: 'n', description: 'The largest batch Triton forms.' }),
  preferredBatchSizes: sizes.optional().meta({ arg: 'n,m', description: 'Batch sizes the dynamic batcher aims for.', defaultText: '4, 8, ... up to --max-batch-size' }),
  queueDelayUs: z.coerce.number().int().min(0).default(500).meta({ arg: 'n', description: 'How long a request may wait for others to batch with, in microseconds.' }),
  instances: z.coerce.number().int().min(1).default(1).meta({ arg: 'n', description: 'Model instances per device, kind KIND_AUTO.' }),
  version: z.coerce.number().int().min(1).default(1).meta({ arg: 'n', description: 'The model version directory.' }),
});

export const EXPORT_TRITON: CommandSpec<typeof ExportTritonFlags> = {
  name: 'export-triton',
  summary: 'a Triton model repository from an export',
  flags: ExportTritonFlags,
};
