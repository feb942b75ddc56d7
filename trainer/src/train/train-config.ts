import { Variant } from '@amft/shared';
import { z } from 'zod';
import { BALANCES } from '../data/class-balance.js';

export const OPTIMIZERS = ['adamw', 'sgd'] as const;

/** Weight decay when none is given: AdamW's usual 0.05, SGD's usual 5e-4. */
export const DEFAULT_WEIGHT_DECAY = { adamw: 0.05, sgd: 5e-4 } as const;

/** Everything that decides a training run's trajectory; defaults here and nowhere else. */
export const TrainConfig = z
  .object({
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
    /** A progress line and a step record in metrics.jsonl every this many steps. */
    logEverySteps: z.number().int().positive().default(50),
    evalBatchSize: z.number().int().positive().default(128),
    /** Worker threads building batches ahead of training (0: on the main thread, between steps). */
    workers: z.number().int().nonnegative().default(1),
  })
  .transform((c) => ({ ...c, weightDecay: c.weightDecay ?? DEFAULT_WEIGHT_DECAY[c.optimizer] }));
export type TrainConfig = z.infer<typeof TrainConfig>;
export type TrainConfigInput = z.input<typeof TrainConfig>;

/** Keys that may differ between a run and its resumption: they do not change past steps. */
export const RESUMABLE_CHANGES: ReadonlySet<keyof TrainConfig> = new Set(['epochs', 'saveEverySteps', 'logEverySteps', 'evalBatchSize', 'workers']);
