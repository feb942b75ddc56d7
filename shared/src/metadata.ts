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
 * Test-time augmentation built into the exported graph: `flip` averages the logits of the image and
 * its mirror; `crops` those of the image and its four corner crops (11/12 of each side, resized
 * back), each with its mirror.
 */
export const TTA_MODES = ['none', 'flip', 'crops'] as const;
export const TtaMode = z.enum(TTA_MODES);
export type TtaMode = z.infer<typeof TtaMode>;
/** How many views of each image the graph runs (its cost in network passes per image). */
export const TTA_VIEWS: Readonly<Record<TtaMode, number>> = { none: 1, flip: 2, crops: 10 };
/** Each mode in words, for reports and model cards. */
export const TTA_DESCRIPTIONS: Readonly<Record<TtaMode, string>> = {
  none: 'no TTA',
  flip: 'flip TTA (the image and its mirror, logits averaged)',
  crops: 'crops TTA (the image and its four corner crops, each with its mirror: 10 views, logits averaged)',
};

/**
 * Temperature scaling fitted by `amft export --calibrate`: the graph's probabilities are
 * softmax(logits / temperature) (the `logits` output stays raw). ECE over ECE_BINS bins and mean
 * negative log-likelihood on the data it was fitted on, before (T = 1) and after.
 */
export const Calibration = z.object({
  temperature: z.number().positive(),
  split: z.string(),
  count: z.number().int().nonnegative(),
  eceBefore: z.number().min(0).max(1),
  eceAfter: z.number().min(0).max(1),
  nllBefore: z.number().nonnegative(),
  nllAfter: z.number().nonnegative(),
});
export type Calibration = z.infer<typeof Calibration>;

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
  /** Absent in exports older than this field: no test-time augmentation. */
  tta: TtaMode.optional(),
  /** Absent: the probabilities are softmax(logits) (temperature 1). */
  calibration: Calibration.optional(),
  createdAt: z.string(),
});
export type ModelMetadata = z.infer<typeof ModelMetadata>;
export type ModelMetadataInput = z.input<typeof ModelMetadata>;
