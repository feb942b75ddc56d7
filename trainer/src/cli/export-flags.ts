/** `amft export`'s flags: one zod object from which parsing, their types and --help are derived. */
import { z } from 'zod';
import { TTA_MODES } from '@amft/shared';
import type { CommandSpec } from './command.js';
import { ValDataFlags } from './flags.js';

export const ExportFlags = z.object({
  checkpoint: z.string().min(1).meta({ arg: 'dir', description: 'A checkpoint directory (<run>/checkpoints/best, last or epoch-<n>), or an export directory with tfjs/ (e.g. models/default: exported again).' }),
  out: z.string().min(1).meta({ arg: 'dir', description: 'Where model.onnx (ONNX opset 17, input NCHW), metadata.json and MODEL_CARD.md are written.' }),
  name: z.string().min(1).optional().meta({ description: 'The model name in the metadata.', defaultText: 'amft-<variant>[-lstm]' }),
  evalReport: z.array(z.string().min(1)).default([]).meta({ arg: 'file', description: "An 'amft eval' report.json to record as the model's metrics." }),
  optimize: z.boolean().default(false).meta({
    description: "Save onnxruntime's optimized graph (level 'all') as model.onnx; it is specific to this machine type, the plain export is kept as model.portable.onnx.",
  }),
  quantize: z.enum(['int8', 'fp16']).optional().meta({
    description: 'Store the weights as int8 (one scale per output channel, ~4x smaller) or float16 (~2x smaller); computation stays float32 (DequantizeLinear / Cast).',
    defaultText: 'float32 weights',
  }),
  tta: z.enum([...TTA_MODES, 'auto']).default('none').meta({
    description:
      'flip: the graph averages the logits of each image and its horizontal mirror (2 passes); crops: of the image and its four corner crops (11/12 of each side, resized back), each with its mirror (10 passes); auto: flip when it gains >= 0.5 points of accuracy on --val-data, else none.',
  }),
  calibrate: z.boolean().default(false).meta({ description: 'Fit one temperature on --val-data (minimum NLL); probabilities = softmax(logits / T). Applied only when it does not raise the expected calibration error there.' }),
  ...ValDataFlags,
  valData: ValDataFlags.valData.meta({
    description: 'Labelled data for --tta auto and --calibrate; with it the model card reports accuracy, macro-F1 and images/s (onnxruntime) of every TTA mode, and ECE before/after.',
  }),
  card: z.string().min(1).optional().meta({
    arg: 'file',
    description:
      'A JSON file with the recipe table, the command and the cost of the run, for MODEL_CARD.md ({ command, epochs, cpuHours, machine, recipe: [{ candidate, settings, epochs, cpuHours, valAccuracy, valMacroF1, chosen, notes }] }).',
    defaultText: 'none',
  }),
});
export type ExportFlags = z.infer<typeof ExportFlags>;

export const EXPORT: CommandSpec<typeof ExportFlags> = {
  name: 'export',
  summary: 'export a checkpoint to ONNX',
  flags: ExportFlags,
  headings: { valData: 'validation data' },
  footer: "Also writes tfjs/ (model.json + weights.bin + amft.json, no optimizer state) for 'amft train --init'.",
};
