/** `amft eval`'s flags: one zod object from which parsing, their types and --help are derived. */
import { z } from 'zod';
import type { CommandSpec } from './command.js';
import { DataFlags, DecodeFlags } from './flags.js';

export const EvalFlags = z
  .object({
    checkpoint: z.string().min(1).optional().meta({ arg: 'dir', description: 'A checkpoint directory (<run>/checkpoints/best or last): its TensorFlow.js weights. Exactly one of --checkpoint and --model.', defaultText: 'none' }),
    model: z
      .string()
      .min(1)
      .optional()
      .meta({
        arg: 'dir',
        description: "An export directory (model.onnx + metadata.json, as `amft export` writes and models/default): its ONNX graph in onnxruntime, with the graph's TTA and temperature. Exactly one of --checkpoint and --model.",
        defaultText: 'none',
      }),
    out: z.string().min(1).meta({ arg: 'dir', description: 'Where report.json, report.md and confusion.png are written.' }),
    batchSize: z.coerce.number().int().positive().default(128).meta({ arg: 'n', description: 'Images per forward pass.' }),
    title: z.string().optional().meta({ arg: 'text', description: 'The report title.', defaultText: 'Evaluation of <data> (with --model: ONNX graph of <dir>, its TTA and temperature)' }),
    ...DataFlags,
    ...DecodeFlags,
  })
  .superRefine((f, ctx) => {
    if (f.checkpoint !== undefined && f.model !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['model'], message: 'give --checkpoint (TensorFlow.js weights) or --model (an export directory), not both' });
    } else if (f.checkpoint === undefined && f.model === undefined) {
      ctx.addIssue({ code: 'custom', path: ['checkpoint'], message: 'give --checkpoint <dir> (a training checkpoint) or --model <dir> (an export directory)' });
    }
    if (f.model !== undefined && f.backend !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['backend'], message: 'picks the TensorFlow.js backend of --checkpoint; --model runs its graph in onnxruntime-node' });
    }
  });

export type EvalFlags = z.output<typeof EvalFlags>;

export const EVAL: CommandSpec<typeof EvalFlags> = {
  name: 'eval',
  summary: 'evaluate a checkpoint or an exported ONNX model on a dataset',
  about:
    'Exactly one of --checkpoint <dir> (a training checkpoint, in TensorFlow.js) and --model <dir> (an export directory: its model.onnx in onnxruntime-node, the graph users get, with its TTA and temperature). Both write the same report on the same samples and preprocessing.',
  flags: EvalFlags,
  headings: { data: 'data' },
};
