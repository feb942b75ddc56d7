/**
 * `amft train`'s flags: one zod object from which parsing, their types and --help are derived.
 * The training-recipe flags are TrainConfig's own fields (train/train-config.ts), so a default
 * is written once: there.
 */
import { withFlagNames } from '@amft/shared/flags';
import { z } from 'zod';
import { DataParallelFlag } from '../train/parallel-plan.js';
import { DEFAULT_WEIGHT_DECAY, TrainConfig, TrainConfigFields } from '../train/train-config.js';
import type { CommandSpec } from './command.js';
import { commaIntList, DataFlags, DecodeFlags, ValDataFlags } from './flags.js';

const recipe = TrainConfigFields.shape;

/** `--widths 32,64,128,192`: a comma list into TrainConfig's own field (its checks, description and default). */
const stageFlag = (field: typeof recipe.widths, arg: string) => commaIntList.pipe(field.unwrap()).optional().meta({ ...field.meta(), arg });

export const TrainFlags = z.object({
  ...DataFlags,
  ...DecodeFlags,
  ...ValDataFlags,
  valRoot: ValDataFlags.valRoot.meta({ defaultText: '--root' }),
  valData: ValDataFlags.valData.meta({ description: 'The validation set, read as --data is: evaluated after every epoch, it picks the best checkpoint.', defaultText: 'none (the best checkpoint is picked by training accuracy)' }),
  out: z.string().min(1).meta({ arg: 'dir', description: 'The run directory: checkpoints/{best,last,epoch-<n>}, metrics.jsonl, curves.png, val-report/, command.json.' }),
  variant: recipe.variant.meta({ description: "The model variant (with --init: the init model's)." }),
  lstm: recipe.lstm.meta({ description: "The variant with the LSTM sequence head (trained on single frames); with --init, the init model's." }),
  epochs: recipe.epochs.meta({ arg: 'n', description: 'Passes over the training data.' }),
  batchSize: recipe.batchSize.meta({ arg: 'n', description: 'Images per optimizer step.' }),
  lr: recipe.lr.meta({ arg: 'x', description: 'Peak learning rate, reached after the warm-up, then a cosine decay to --min-lr.' }),
  minLr: recipe.minLr.meta({ arg: 'x', description: 'Learning rate at the end of the cosine decay.' }),
  warmupEpochs: recipe.warmupEpochs.meta({ arg: 'x', description: 'Linear warm-up before the cosine decay, in epochs.' }),
  optimizer: recipe.optimizer.meta({ description: 'adamw, or sgd (momentum: --momentum).' }),
  weightDecay: recipe.weightDecay.meta({
    arg: 'x',
    description: 'Decoupled weight decay, on kernels only.',
    defaultText: Object.entries(DEFAULT_WEIGHT_DECAY).map(([o, d]) => `${d} with ${o}`).join(', '),
  }),
  momentum: recipe.momentum.meta({ arg: 'x', description: 'SGD momentum.' }),
  labelSmoothing: recipe.labelSmoothing.meta({ arg: 'x', description: 'Label smoothing of the cross-entropy loss.' }),
  balance: recipe.balance.meta({
    description: 'Class balance: weighted (inverse-frequency loss weights), sqrt-weighted (1/sqrt(count)), sampler (class-balanced batches) or none.',
  }),
  noAugment: z.boolean().default(false).meta({ description: 'No random crop, flip, rotation or jitter.' }),
  randomErasing: recipe.randomErasing.meta({ arg: 'p' }),
  mixup: recipe.mixup.meta({ arg: 'alpha' }),
  cutmix: recipe.cutmix.meta({ arg: 'alpha' }),
  logitAdjust: recipe.logitAdjust.meta({ arg: 'tau' }),
  widths: stageFlag(recipe.widths, 'w,w,..'),
  blocks: stageFlag(recipe.blocks, 'n,n,..'),
  cpuBudgetMin: recipe.cpuBudgetMin.meta({ arg: 'minutes' }),
  budgetWarmup: recipe.budgetWarmup.meta({ arg: 'fraction' }),
  seed: recipe.seed.meta({ arg: 'n', description: 'Seed of the initial weights, batch order, augmentation and dropout.' }),
  resume: z.boolean().default(false).meta({ description: 'Continue from <out>/checkpoints/last (the recipe must be the same).' }),
  saveEvery: recipe.saveEverySteps.meta({ arg: 'steps', description: 'Also checkpoint every this many steps inside an epoch (0: at epoch ends only).' }),
  keepEpochs: recipe.keepEpochs.meta({
    arg: 'n',
    description: 'Keep the weights of the last n epochs as checkpoints/epoch-<n> (no optimizer state; older ones are deleted), to choose among them afterwards (scripts/pick-checkpoint.ts).',
  }),
  logEvery: recipe.logEverySteps.meta({ arg: 'steps', description: 'A progress line and a metrics.jsonl step record every this many steps.' }),
  evalBatchSize: recipe.evalBatchSize.meta({ arg: 'n', description: 'Validation batch size.' }),
  workers: recipe.workers.meta({ arg: 'n', description: 'Threads building augmented batches ahead of training (0: none).' }),
  threads: z.coerce
    .number()
    .int()
    .default(1)
    .meta({ arg: 'n', description: 'wasm backend, training on the main thread: compute threads (the threaded wasm build).' }),
  dataParallel: DataParallelFlag.meta({
    arg: 'mode',
    description:
      'auto: on the wasm/cpu backends with two or more cores, split every batch over one worker thread per core (gradients summed, one update; batch norm per shard); off: the main thread; <n>: n workers. Checkpoints resume on either path.',
  }),
  init: z
    .string()
    .min(1)
    .optional()
    .meta({
      arg: 'dir',
      description: "Start from the weights of an 'amft export' directory (its tfjs/) or a checkpoint directory; the variant and LSTM head come from it (--variant/--lstm must agree).",
      defaultText: 'random weights',
    }),
  freezeTrunk: z
    .boolean()
    .default(false)
    .meta({ description: 'With --init: train the head only (fusion, attention, transformer, LSTM, classifier); the residual trunk keeps its weights and batch-norm statistics.' }),
});
export type TrainFlags = z.infer<typeof TrainFlags>;

export const TRAIN: CommandSpec<typeof TrainFlags> = {
  name: 'train',
  summary: 'train a model on a dataset',
  flags: TrainFlags,
  headings: { data: 'data', onBadRow: 'decoding', valData: 'validation data', out: 'output', variant: 'model and training', init: 'fine-tuning' },
};

/**
 * The run's recipe from its flags (what command.json records and --resume compares). `model`
 * holds the variant and LSTM head when they come from elsewhere (`--init`'s model).
 */
export function trainConfigOf(f: TrainFlags, model: { variant?: TrainFlags['variant']; lstm?: boolean } = {}): TrainConfig {
  return withFlagNames(() =>
    TrainConfig.parse({
      variant: model.variant ?? f.variant,
      lstm: model.lstm ?? f.lstm,
      epochs: f.epochs,
      batchSize: f.batchSize,
      lr: f.lr,
      minLr: f.minLr,
      warmupEpochs: f.warmupEpochs,
      optimizer: f.optimizer,
      weightDecay: f.weightDecay,
      momentum: f.momentum,
      labelSmoothing: f.labelSmoothing,
      balance: f.balance,
      augment: f.noAugment ? false : undefined,
      randomErasing: f.randomErasing,
      mixup: f.mixup,
      cutmix: f.cutmix,
      logitAdjust: f.logitAdjust,
      widths: f.widths,
      blocks: f.blocks,
      cpuBudgetMin: f.cpuBudgetMin,
      budgetWarmup: f.budgetWarmup,
      seed: f.seed,
      saveEverySteps: f.saveEvery,
      keepEpochs: f.keepEpochs,
      logEverySteps: f.logEvery,
      evalBatchSize: f.evalBatchSize,
      workers: f.workers,
    }),
  );
}
