// Over 250 lines: mostly the --help text and the flag tables (branch `cli` derives both from the
// TrainConfig schema).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Variant } from '@amft/shared';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { FactoryRef } from '../backend/data-parallel.js';
import { availableBackends, BACKEND_ORDER, selectBackend, type BackendName } from '../backend/select-backend.js';
import { assertTrainingFits } from '../backend/wasm-memory.js';
import { BALANCES } from '../data/class-balance.js';
import { loadDataset, type LoadedDataset } from '../data/load-dataset.js';
import { formatBadRows } from '@amft/shared/dataset';
import { applyInitWeights, checkInitSource, freezeTrunk, InitError, readInitSource } from '../train/init-from.js';
import { amftModelFactory, type ModelFactory } from '../train/model-factory.js';
import { OPTIMIZERS, TrainConfig } from '../train/train-config.js';
import { DataParallelFlag, planDataParallel } from '../train/parallel-plan.js';
import { acquireRunLock, type RunLock } from '../train/run-lock.js';
import { trainModel, type TrainResult } from '../train/train-loop.js';
import { cliLogger } from './log.js';
import { withProgress } from '../progress.js';
import { COMMON_OPTIONS, DATA_USAGE, DataFlags, dataOptions, optionalInt, optionalIntList, optionalNumber, parseFlags, withFlagNames } from './flags.js';

const USAGE = `usage: amft train --data <path> --out <run dir> [options]

${DATA_USAGE}
  --val-data, --val-format, --val-root, --val-usage, --val-max-samples
                            the validation set (evaluated every epoch; picks the best checkpoint)

model and training:
  --variant <v>             seed | amft | lite (default lite)
  --lstm                    the variant with the LSTM sequence head (trained on single frames)
  --epochs <n>              default 30
  --batch-size <n>          default 64
  --lr <x>                  peak learning rate (default 1e-3); --min-lr <x> at the end (default 0)
  --warmup-epochs <x>       linear warm-up before the cosine decay (default 1)
  --optimizer <o>           adamw (default) | sgd (momentum 0.9, --momentum)
  --weight-decay <x>        decoupled, kernels only (default 0.05 adamw, 5e-4 sgd)
  --label-smoothing <x>     default 0.1
  --balance <b>             weighted (inverse-frequency loss weights, default) | sqrt-weighted (1/sqrt(count))
                            | sampler (class-balanced batches) | none
  --no-augment              no random crop/flip/rotation/jitter
  --random-erasing <p>      erase one random rectangle per image with probability p (Zhong et al.; default 0: off)
  --mixup <alpha>           mixup with Beta(alpha, alpha) (default 0: off); --cutmix <alpha> cutmix (default 0: off);
                            both: one of the two per batch. Soft targets; class weights and smoothing apply per label
  --logit-adjust <tau>      logit-adjusted loss: logits + tau*log(class prior) in the training loss only (default 0: off)
  --widths <w,w,..>         trunk stage widths (default: the variant's, lite 32,64,128,192)
  --blocks <n,n,..>         residual blocks per trunk stage (default: the variant's, lite 1,1,1,1)
  --cpu-budget-min <m>      train for m minutes of process CPU time (all threads), the warm-up + cosine schedule
                            spread over the budget (--budget-warmup <fraction>, default 0.05), then evaluate
                            and write <out>/budget.json; --epochs stays a cap
  --seed <n>                default 42
  --out <dir>               run directory: checkpoints/{best,last}, metrics.jsonl, curves.png, val-report/
  --resume                  continue from <out>/checkpoints/last
  --save-every <steps>      also checkpoint inside epochs (default: at epoch ends only)
  --log-every <steps>       progress line and metrics.jsonl step record interval (default 50)
  --eval-batch-size <n>     validation batch size (default 128)
  --workers <n>             threads building augmented batches ahead of training (default 1; 0: none)
  --threads <n>             wasm backend: compute threads (the threaded wasm build; default 1), when
                            training on the main thread
  --data-parallel <m>       auto (default): on the wasm/cpu backends with >= 2 cores, split every batch
                            over one worker thread per core (gradients summed, one update; batch norm
                            per shard); off: the main thread; <n>: n workers. Checkpoints resume on
                            either path.

fine-tuning:
  --init <dir>              start from the weights of an 'amft export' directory (its tfjs/) or a checkpoint
                            directory; variant and LSTM head come from it (--variant/--lstm must agree)
  --freeze-trunk            with --init: train the head only (fusion, attention, transformer, LSTM, classifier);
                            the residual trunk keeps its weights and batch-norm statistics
`;

const OPTIONS = {
  ...dataOptions(),
  ...dataOptions('val-'),
  ...COMMON_OPTIONS,
  variant: { type: 'string' },
  lstm: { type: 'boolean' },
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  lr: { type: 'string' },
  'min-lr': { type: 'string' },
  'warmup-epochs': { type: 'string' },
  optimizer: { type: 'string' },
  'weight-decay': { type: 'string' },
  momentum: { type: 'string' },
  'label-smoothing': { type: 'string' },
  balance: { type: 'string' },
  'no-augment': { type: 'boolean' },
  'random-erasing': { type: 'string' },
  mixup: { type: 'string' },
  cutmix: { type: 'string' },
  'logit-adjust': { type: 'string' },
  widths: { type: 'string' },
  blocks: { type: 'string' },
  'cpu-budget-min': { type: 'string' },
  'budget-warmup': { type: 'string' },
  seed: { type: 'string' },
  resume: { type: 'boolean' },
  'save-every': { type: 'string' },
  'log-every': { type: 'string' },
  'eval-batch-size': { type: 'string' },
  workers: { type: 'string' },
  threads: { type: 'string' },
  'data-parallel': { type: 'string' },
  init: { type: 'string' },
  'freeze-trunk': { type: 'boolean' },
} as const;

const TrainFlags = z.object({
  ...DataFlags,
  data: z.string().min(1),
  valData: DataFlags.data,
  valFormat: DataFlags.format,
  valRoot: DataFlags.root,
  valUsage: DataFlags.usage,
  valMaxSamples: DataFlags.maxSamples,
  onBadRow: z.enum(['skip', 'fail']).default('fail'),
  backend: z.enum(BACKEND_ORDER).optional(),
  cacheDir: z.string().min(1).optional(),
  storeSize: z.coerce.number().int().positive().optional(),
  out: z.string().min(1),
  variant: Variant.optional(),
  lstm: z.boolean().optional(),
  epochs: optionalInt,
  batchSize: optionalInt,
  lr: optionalNumber,
  minLr: optionalNumber,
  warmupEpochs: optionalNumber,
  optimizer: z.enum(OPTIMIZERS).optional(),
  weightDecay: optionalNumber,
  momentum: optionalNumber,
  labelSmoothing: optionalNumber,
  balance: z.enum(BALANCES).optional(),
  noAugment: z.boolean().optional(),
  randomErasing: optionalNumber,
  mixup: optionalNumber,
  cutmix: optionalNumber,
  logitAdjust: optionalNumber,
  widths: optionalIntList,
  blocks: optionalIntList,
  cpuBudgetMin: optionalNumber,
  budgetWarmup: optionalNumber,
  seed: optionalInt,
  resume: z.boolean().default(false),
  saveEvery: optionalInt,
  logEvery: optionalInt,
  evalBatchSize: optionalInt,
  workers: optionalInt,
  threads: optionalInt,
  dataParallel: DataParallelFlag,
  init: z.string().min(1).optional(),
  freezeTrunk: z.boolean().default(false),
});

export interface TrainDeps {
  /** Builds the model (default: the project's AMFT variants). */
  createModel?: ModelFactory;
  /** With createModel: the module export that builds the same model in data-parallel workers. */
  workerModel?: FactoryRef;
  /** Activates a TensorFlow.js backend and names it (default: backend/select-backend). */
  selectBackend?: (preferred?: BackendName, threads?: number) => Promise<{ name: string }>;
  log?: Logger;
  /** Where progress lines and the summary go (default: stdout). */
  out?: { isTTY?: boolean; write: (text: string) => unknown };
  /** Stops training (a checkpoint is saved); SIGINT/SIGTERM do the same in the CLI. */
  signal?: AbortSignal;
}

/** `amft train`: load and validate the data, build the model, train, checkpoint. */
export async function runTrain(argv: string[], deps: TrainDeps = {}): Promise<void> {
  const out = deps.out ?? process.stdout;
  if (argv.includes('--help') || argv.includes('-h')) {
    out.write(USAGE);
    return;
  }
  const f = parseFlags(argv, OPTIONS, TrainFlags);
  if (f.freezeTrunk && !f.init) throw new InitError('--freeze-trunk needs --init (a trained trunk to keep)');
  if (f.init && (f.widths || f.blocks)) throw new InitError('--widths/--blocks: with --init the architecture comes from the weights');
  const init = f.init ? await readInitSource(f.init) : undefined;
  if (init) checkInitSource(init, { variant: f.variant, lstm: f.lstm });
  const config = withFlagNames(() =>
    TrainConfig.parse({
      variant: f.variant ?? init?.config.variant,
      lstm: f.lstm ?? init?.config.lstm,
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
      logEverySteps: f.logEvery,
      evalBatchSize: f.evalBatchSize,
      workers: f.workers,
    }),
  );
  const log = deps.log ?? cliLogger('amft-train');
  // (workers rebuild the model from its config: a frozen trunk trains on the main thread)
  const planned = { batchSize: config.batchSize, canBuildInWorkers: (deps.createModel === undefined || deps.workerModel !== undefined) && !f.freezeTrunk };
  // planned on the backend about to be chosen: under workers the main thread starts single-threaded
  const early = planDataParallel(f.dataParallel, { ...planned, backend: f.backend ?? availableBackends()[0] });
  if (early.workers > 0 && (f.threads ?? 1) > 1) log.info(`--threads ${f.threads} is for the main-thread path: each data-parallel worker computes on one core`);
  const backend = await (deps.selectBackend ?? ((b, threads) => selectBackend(b, log, { wasmThreads: threads })))(f.backend, early.workers > 0 ? 1 : f.threads);
  const parallel = planDataParallel(f.dataParallel, { ...planned, backend: backend.name });
  log.info({ workers: parallel.workers, reason: parallel.reason }, parallel.workers > 0 ? `data-parallel training on ${parallel.workers} workers` : 'training on the main thread');

  const built = (deps.createModel ?? amftModelFactory)({ variant: config.variant, lstm: config.lstm, config: init?.config, seed: config.seed, trunk: { widths: config.widths, blocks: config.blocks } });
  let lock: RunLock | undefined;
  try {
    assertTrainingFits(built.model, { backend: backend.name, batchSize: config.batchSize, workers: parallel.workers });
    if (init) {
      await applyInitWeights(built.model, init);
      const frozen = f.freezeTrunk ? freezeTrunk(built.model) : undefined;
      log.info({ init: init.path, kind: init.kind, ...frozen }, frozen ? 'initialized from --init; trunk frozen' : 'initialized from --init');
    }
    const spec = built.preprocessing;
    const loadOpts = { spec, storeSize: f.storeSize, cacheDir: f.cacheDir };
    const t0 = performance.now();
    const shown = { unit: 'images', stream: out };
    const train = await withProgress({ label: 'decode train', ...shown }, (onProgress) =>
      loadDataset({ path: f.data, format: f.format, root: f.root, usage: f.usage, maxSamples: f.maxSamples, onBadRow: f.onBadRow }, { ...loadOpts, onProgress }),
    );
    reportLoad(log, 'train', train, t0);
    let val: LoadedDataset | undefined;
    const valData = f.valData;
    if (valData) {
      const t1 = performance.now();
      val = await withProgress({ label: 'decode val', ...shown }, (onProgress) =>
        loadDataset(
          { path: valData, format: f.valFormat, root: f.valRoot ?? f.root, usage: f.valUsage, maxSamples: f.valMaxSamples, onBadRow: f.onBadRow },
          { ...loadOpts, onProgress },
        ),
      );
      reportLoad(log, 'val', val, t1);
    } else {
      log.warn('no --val-data: the best checkpoint is picked by training accuracy');
    }

    await mkdir(f.out, { recursive: true });
    lock = await acquireRunLock(f.out); // before this process writes anything there
    await writeFile(
      join(f.out, f.resume ? 'command-resume.json' : 'command.json'),
      JSON.stringify({ argv, config, backend: backend.name, dataParallelWorkers: parallel.workers, preprocessing: spec, train: summary(train), val: val && summary(val) }, null, 2),
    );

    const controller = new AbortController();
    const stop = () => {
      log.warn('stopping after this step (again to kill)');
      controller.abort();
    };
    deps.signal?.addEventListener('abort', () => controller.abort(), { once: true });
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    let result: TrainResult;
    try {
      result = await trainModel({
        model: built.model,
        preprocessing: spec,
        modelInfo: { variant: config.variant, lstm: config.lstm, config: built.config },
        train: train.dataset,
        dataset: `${f.data} (${train.format}${f.usage ? ` ${f.usage}` : ''}, ${train.dataset.samples.length} samples)`,
        val: val?.dataset,
        config,
        outDir: f.out,
        resume: f.resume,
        backend: backend.name,
        log,
        progress: { isTTY: out.isTTY ?? false, write: (s) => void out.write(s) },
        signal: controller.signal,
        lock,
        dataParallel: parallel.workers > 0 ? { workers: parallel.workers, model: deps.workerModel, modelConfig: built.config, backend: backend.name === 'cpu' ? 'cpu' : 'wasm' } : undefined,
      });
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
    const best = result.state.best;
    out.write(
      `${result.stopped ? 'stopped' : 'finished'} at epoch ${result.state.epoch}/${config.epochs}, step ${result.state.globalStep}; ` +
        `best ${best ? `${best.metric} ${(100 * best.value).toFixed(2)}% at epoch ${best.epoch} (${result.dirs.best})` : 'none yet'}\n`,
    );
  } finally {
    built.model.dispose();
    await lock?.release();
  }
}

function reportLoad(log: Logger, split: string, d: LoadedDataset, t0: number): void {
  const seconds = (performance.now() - t0) / 1000;
  const n = d.dataset.samples.length;
  log.info({ split, format: d.format, samples: n, skipped: d.bad.length, geometry: d.dataset.geometry, seconds, imagesPerSecond: n / seconds }, `loaded ${split} data`);
  if (d.bad.length) log.warn(`${split}: left out ${d.bad.length} bad rows:\n${formatBadRows(d.bad)}`);
}

function summary(d: LoadedDataset) {
  return { format: d.format, samples: d.dataset.samples.length, skipped: d.bad.length, geometry: d.dataset.geometry };
}
