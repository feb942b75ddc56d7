import { z } from 'zod';
import { LABELS } from './labels.js';
import { PreprocessingSpec } from './preprocessing.js';

export const VARIANTS = ['seed', 'amft', 'lite'] as const;
export const Variant = z.enum(VARIANTS);
export type Variant = z.infer<typeof Variant>;

export const EvalSummary = z.object({
  split: z.string(),
  count: z.number().int().nonnegative(),
  accuracy: z.number().min(0).max(1),
  macroF1: z.number().min(0).max(1),
});
export type EvalSummary = z.infer<typeof EvalSummary>;

/**
 * `metadata.json`, written by `amft export` beside `model.onnx` and read by the service at start.
 * The same facts are also stored in the ONNX file's metadata_props (key `amft.metadata`).
 */
export const ModelMetadata = z.object({
  format: z.literal('amft-onnx'),
  schemaVersion: z.literal(1),
  name: z.string().min(1),
  variant: Variant,
  labels: z
    .array(z.string())
    .length(LABELS.length)
    .refine((l) => l.every((x, i) => x === LABELS[i]), { message: `labels must be ${LABELS.join(',')}` }),
  preprocessing: PreprocessingSpec,
  /** ONNX graph I/O names. `sequence` is present when the model has the LSTM head. */
  io: z.object({
    input: z.string(),
    logits: z.string(),
    probabilities: z.string(),
    sequence: z
      .object({
        input: z.string(),
        logits: z.string(),
        probabilities: z.string(),
        frameLogits: z.string(),
      })
      .optional(),
  }),
  opset: z.number().int(),
  trainableParams: z.number().int().nonnegative(),
  totalParams: z.number().int().nonnegative(),
  flopsPerImage: z.number().nonnegative(),
  metrics: z.array(EvalSummary).default([]),
  training: z
    .object({
      backend: z.string(),
      epochs: z.number().int().nonnegative(),
      seconds: z.number().nonnegative(),
      dataset: z.string(),
    })
    .optional(),
  createdAt: z.string(),
});
export type ModelMetadata = z.infer<typeof ModelMetadata>;
export type ModelMetadataInput = z.input<typeof ModelMetadata>;
