import { z } from 'zod';
import { GRAY48, PreprocessingSpec, RGB224, Variant } from '@amft/shared';

/** Residual trunk: ResNet bottlenecks (seed, amft) or basic blocks (lite). */
export const TrunkConfig = z.object({
  block: z.enum(['bottleneck', 'basic']),
  /** Stem convolution width and kernel; `stemPool` adds the 3x3/2 max pool of ResNet. */
  stemWidth: z.number().int().positive(),
  stemKernel: z.number().int().positive(),
  stemStride: z.number().int().positive(),
  stemPool: z.boolean(),
  /** Output width of each stage (for bottlenecks: 4x the inner width). */
  widths: z.array(z.number().int().positive()).min(1),
  blocks: z.array(z.number().int().positive()).min(1),
  strides: z.array(z.number().int().positive()).min(1),
});
export type TrunkConfig = z.infer<typeof TrunkConfig>;

export const ModelConfig = z.object({
  variant: Variant,
  lstm: z.boolean(),
  preprocessing: PreprocessingSpec,
  trunk: TrunkConfig,
  /**
   * Multi-scale fusion: indices of the trunk stages tapped (0-based). One tap means no fusion
   * (the seed variant: the last stage only). `fusionWidth` is the common width the taps are
   * projected to (null: keep the tap's width, only with one tap); `fusionGrid` the index into
   * `taps` whose resolution the others are resampled to.
   */
  taps: z.array(z.number().int().nonnegative()).min(1),
  fusionWidth: z.number().int().positive().nullable(),
  fusionGrid: z.number().int().nonnegative(),
  /** Hidden width of the channel-attention bottleneck. */
  channelAttentionHidden: z.number().int().positive(),
  positionalEmbedding: z.boolean(),
  transformer: z.object({
    layers: z.number().int().nonnegative(),
    heads: z.number().int().positive(),
    feedForward: z.number().int().positive(),
    dropout: z.number().min(0).max(1),
    epsilon: z.number().positive(),
  }),
  /** Dropout before the classifier. */
  headDropout: z.number().min(0).max(1),
  lstmUnits: z.number().int().positive(),
  numClasses: z.number().int().positive(),
});
export type ModelConfig = z.infer<typeof ModelConfig>;

const RESNET50: TrunkConfig = {
  block: 'bottleneck',
  stemWidth: 64,
  stemKernel: 7,
  stemStride: 2,
  stemPool: true,
  widths: [256, 512, 1024, 2048],
  blocks: [3, 4, 6, 3],
  strides: [1, 2, 2, 2],
};

/** Defaults per variant. `seed` is exactly the original PyTorch project. */
export const VARIANT_DEFAULTS: Record<Variant, ModelConfig> = {
  seed: {
    variant: 'seed',
    lstm: false,
    preprocessing: RGB224,
    trunk: RESNET50,
    taps: [3],
    fusionWidth: null,
    fusionGrid: 0,
    channelAttentionHidden: 128,
    positionalEmbedding: false,
    transformer: { layers: 1, heads: 8, feedForward: 2048, dropout: 0.1, epsilon: 1e-5 },
    headDropout: 0,
    lstmUnits: 256,
    numClasses: 7,
  },
  amft: {
    variant: 'amft',
    lstm: false,
    preprocessing: RGB224,
    trunk: RESNET50,
    // after ResNet stages 3, 4, 5 (28x28x512, 14x14x1024, 7x7x2048 at 224 px), fused on 14x14
    taps: [1, 2, 3],
    fusionWidth: 256,
    fusionGrid: 1,
    channelAttentionHidden: 64,
    positionalEmbedding: true,
    transformer: { layers: 2, heads: 8, feedForward: 1024, dropout: 0.1, epsilon: 1e-5 },
    headDropout: 0.2,
    lstmUnits: 256,
    numClasses: 7,
  },
  lite: {
    variant: 'lite',
    lstm: false,
    preprocessing: GRAY48,
    // 48x48 -> stem 48x48x32 -> 24x24x32 -> 12x12x64 -> 6x6x128 -> 3x3x192
    trunk: {
      block: 'basic',
      stemWidth: 32,
      stemKernel: 3,
      stemStride: 1,
      stemPool: false,
      widths: [32, 64, 128, 192],
      blocks: [1, 1, 1, 1],
      strides: [2, 2, 2, 2],
    },
    // taps 12x12x64, 6x6x128, 3x3x192, fused on 6x6 at width 128
    taps: [1, 2, 3],
    fusionWidth: 128,
    fusionGrid: 1,
    channelAttentionHidden: 16,
    positionalEmbedding: true,
    transformer: { layers: 1, heads: 4, feedForward: 256, dropout: 0.1, epsilon: 1e-5 },
    headDropout: 0.3,
    lstmUnits: 128,
    numClasses: 7,
  },
};

export type ModelOverrides = Partial<Omit<ModelConfig, 'trunk' | 'transformer' | 'preprocessing'>> & {
  trunk?: Partial<TrunkConfig>;
  transformer?: Partial<ModelConfig['transformer']>;
  preprocessing?: Partial<PreprocessingSpec>;
};

/** A variant's defaults with overrides applied, validated. */
export function resolveModelConfig(variant: Variant, overrides: ModelOverrides = {}): ModelConfig {
  const base = VARIANT_DEFAULTS[variant];
  const merged = {
    ...base,
    ...overrides,
    variant,
    trunk: { ...base.trunk, ...overrides.trunk },
    transformer: { ...base.transformer, ...overrides.transformer },
    preprocessing: { ...base.preprocessing, ...overrides.preprocessing },
  };
  const cfg = ModelConfig.parse(merged);
  const stages = cfg.trunk.widths.length;
  if (cfg.trunk.blocks.length !== stages || cfg.trunk.strides.length !== stages) {
    throw new Error(`trunk widths, blocks and strides must have one entry per stage (${stages})`);
  }
  if (cfg.taps.some((t) => t >= stages)) throw new Error(`taps ${cfg.taps} name a stage beyond the ${stages} of the trunk`);
  if (cfg.fusionGrid >= cfg.taps.length) throw new Error(`fusionGrid ${cfg.fusionGrid} is not an index into taps`);
  if (cfg.taps.length > 1 && cfg.fusionWidth == null) throw new Error('fusing several taps needs a fusionWidth');
  return cfg;
}
