import { Variant } from '@amft/shared';
import { z } from 'zod';
import { BALANCES } from '../data/class-balance.js';
import { VARIANT_DEFAULTS } from '../model/config.js';

export const OPTIMIZERS = ['adamw', 'sgd'] as const;

/** Weight decay when none is given: AdamW's usual 0.05, SGD's usual 5e-4. */
export const DEFAULT_WEIGHT_DECAY = { adamw: 0.05, sgd: 5e-4 } as const;

/** A trunk list (`widths`, `blocks`): one whole number per stage; absent, the variant's own. */
const stageList = (what: string, key: 'widths' | 'blocks') =>
  z
    .array(z.number().int().positive())
    .min(1)
    .optional()
    .meta({ description: what, defaultText: `the variant's (${Object.values(VARIANT_DEFAULTS).map((v) => `${v.variant} ${v.trunk[key].join(',')}`).join('; ')})` });

/**
 * Everything that decides a training run's trajectory; defaults here and nowhere else (the
 * `amft train` flags reuse these fields, so their defaults and --help come from here too). The
 * recipe options after `workers` are all off by default, and a recorded config without them (a
 * run started before they existed) parses to the same run: see train/resume.ts.
 */
export const TrainConfigFields = z.object({
  variant: Variant.default('lite'),
  lstm: z.boolean().default(false),
  epochs: z.number().int().positive().default(30),
  batchSize: z.number().int().positive().default(64),
  /** Peak learning rate, reached after warm-up. */
  lr: z.number().positive().default(1e-3),
  /** Learning rate at the end of the cosine decay. */
  minLr: z.number().nonnegative().default(0),
  warmupEpochs: z.number().nonnegative().default(1),
  optimizer: z.enum(OPTIMIZERS).default('adamw'),
  weightDecay: z.number().nonnegative().optional(),
  /** SGD only. */
  momentum: z.number().min(0).max(1).default(0.9),
  labelSmoothing: z.number().min(0).max(1).default(0.1),
  balance: z.enum(BALANCES).default('weighted'),
  augment: z.boolean().default(true),
  seed: z.number().int().nonnegative().default(42),
  /** Also checkpoint every this many steps inside an epoch (0: at epoch ends only). */
  saveEverySteps: z.number().int().nonnegative().default(0),
  /** Keep the weights of the last this many epochs as checkpoints/epoch-<n> (0: none). */
  keepEpochs: z.number().int().nonnegative().default(0),
  /** A progress line and a step record in metrics.jsonl every this many steps. */
  logEverySteps: z.number().int().positive().default(50),
  evalBatchSize: z.number().int().positive().default(128),
  /** Worker threads building batches ahead of training (0: on the main thread, between steps). */
  workers: z.number().int().nonnegative().default(1),
  // ---- recipe options (issue #18 item 4), all off by default; their descriptions are --help's ----
  randomErasing: z
    .number()
    .min(0)
    .max(1)
    .default(0)
    .describe('Random erasing (Zhong et al. 2020): the probability that a training image gets one rectangle (2-40% of the area, aspect 0.3-3.3) of random gray values; 0: off.'),
  mixup: z
    .number()
    .nonnegative()
    .default(0)
    .describe('Mixup (Zhang et al. 2018): a Beta(alpha, alpha) blend of each batch with a shuffled copy, soft targets (class weights and label smoothing apply per label); 0: off.'),
  cutmix: z
    .number()
    .nonnegative()
    .default(0)
    .describe('Cutmix (Yun et al. 2019): a box of a shuffled copy pasted into each batch, targets by pasted area; Beta(alpha, alpha); 0: off. With --mixup too, each batch takes one of the two at random.'),
  logitAdjust: z
    .number()
    .nonnegative()
    .default(0)
    .describe('Logit-adjusted loss (Menon et al. 2021): add tau*log(class prior of the training set) to the logits in the training loss only; 0: off.'),
  widths: stageList("Trunk stage widths, one per stage of the variant's trunk.", 'widths'),
  blocks: stageList("Residual blocks per trunk stage, one per stage of the variant's trunk.", 'blocks'),
  cpuBudgetMin: z
    .number()
    .positive()
    .optional()
    .meta({
      description:
        'Train for this much process CPU time (minutes, all threads), the warm-up + cosine schedule spread over the budget instead of over epochs, then evaluate and write <out>/budget.json; --epochs stays a cap.',
      defaultText: 'none (training ends after --epochs)',
    }),
  budgetWarmup: z.number().min(0).max(0.5).default(0.05).describe('With --cpu-budget-min: the fraction of the budget spent warming up (instead of --warmup-epochs).'),
});

/**
 * TrainConfigFields checked as a whole (trunk lists against the variant's trunk, augmentations
 * against --no-augment), with weight decay's default filled in for the optimizer.
 */
export const TrainConfig = TrainConfigFields.superRefine((c, ctx) => {
  const trunk = VARIANT_DEFAULTS[c.variant].trunk;
  for (const key of ['widths', 'blocks'] as const) {
    const list = c[key];
    if (list && list.length !== trunk[key].length) {
      ctx.addIssue({ code: 'custom', path: [key], message: `the ${c.variant} trunk has ${trunk[key].length} stages (${key} ${trunk[key].join(',')}): give ${trunk[key].length} values, not ${list.length}` });
    }
  }
  if (trunk.block === 'bottleneck' && c.widths?.some((w) => w % 4 !== 0)) {
    ctx.addIssue({ code: 'custom', path: ['widths'], message: `the ${c.variant} trunk has bottleneck blocks: every width must be a multiple of 4` });
  }
  if (!c.augment) {
    for (const key of ['randomErasing', 'mixup', 'cutmix'] as const) {
      if (c[key] > 0) ctx.addIssue({ code: 'custom', path: [key], message: 'is a training augmentation: it cannot be combined with --no-augment' });
    }
  }
}).transform((c) => ({ ...c, weightDecay: c.weightDecay ?? DEFAULT_WEIGHT_DECAY[c.optimizer] }));
export type TrainConfig = z.infer<typeof TrainConfig>;
export type TrainConfigInput = z.input<typeof TrainConfig>;

/** Keys that may differ between a run and its resumption: they do not change past steps. */
export const RESUMABLE_CHANGES: ReadonlySet<keyof TrainConfig> = new Set(['epochs', 'saveEverySteps', 'keepEpochs', 'logEverySteps', 'evalBatchSize', 'workers']);
