import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { FactoryRef } from '../backend/data-parallel.js';
import { availableBackends, selectBackend, type BackendName } from '../backend/select-backend.js';
import { assertTrainingFits } from '../backend/wasm-memory.js';
import { loadDataset, type LoadedDataset } from '../data/load-dataset.js';
import { formatBadRows } from '@amft/shared/dataset';
import { applyInitWeights, checkInitSource, freezeTrunk, InitError, readInitSource } from '../train/init-from.js';
import { amftModelFactory, type ModelFactory } from '../train/model-factory.js';
import { planDataParallel } from '../train/parallel-plan.js';
import { acquireRunLock, type RunLock } from '../train/run-lock.js';
import { trainModel, type TrainResult } from '../train/train-loop.js';
import { cliLogger } from './log.js';
import { withProgress } from '../progress.js';
import { parseOrHelp } from './command.js';
import { TRAIN, trainConfigOf } from './train-flags.js';

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
  const parsed = parseOrHelp(argv, TRAIN, out);
  if (!parsed) return;
  const { values: f, given } = parsed;
  if (f.freezeTrunk && !f.init) throw new InitError('--freeze-trunk needs --init (a trained trunk to keep)');
  if (f.init && (f.widths || f.blocks)) throw new InitError('--widths/--blocks: with --init the architecture comes from the weights');
  const init = f.init ? await readInitSource(f.init) : undefined;
  // --variant and --lstm when given (checked against --init), else --init's, else their defaults
  const chosen = { variant: given.has('variant') ? f.variant : undefined, lstm: given.has('lstm') ? f.lstm : undefined };
  if (init) checkInitSource(init, chosen);
  const config = trainConfigOf(f, { variant: chosen.variant ?? init?.config.variant, lstm: chosen.lstm ?? init?.config.lstm });
  const log = deps.log ?? cliLogger('amft-train');
  // (workers rebuild the model from its config: a frozen trunk trains on the main thread)
  const planned = { batchSize: config.batchSize, canBuildInWorkers: (deps.createModel === undefined || deps.workerModel !== undefined) && !f.freezeTrunk };
  // planned on the backend about to be chosen: under workers the main thread starts single-threaded
  const early = planDataParallel(f.dataParallel, { ...planned, backend: f.backend ?? availableBackends()[0] });
  if (early.workers > 0 && f.threads > 1) log.info(`--threads ${f.threads} is for the main-thread path: each data-parallel worker computes on one core`);
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
