import { Variant } from '@amft/shared';
import type { Logger } from 'pino';
import { selectBackend, type BackendName } from '../backend/select-backend.js';
import { formatBadRows } from '@amft/shared/dataset';
import { loadDataset } from '../data/load-dataset.js';
import { evaluateModel } from '../evaluate/evaluate-model.js';
import { writeReport } from '../evaluate/write-report.js';
import { disposeCheckpoint, loadCheckpoint, restoreModelWeights } from '../train/checkpoint.js';
import { amftModelFactory, type ModelFactory } from '../train/model-factory.js';
import { cliLogger } from './log.js';
import { withProgress } from '../progress.js';
import { parseOrHelp } from './command.js';
import { EVAL } from './eval-flags.js';

export interface EvalDeps {
  createModel?: ModelFactory;
  selectBackend?: (preferred?: BackendName) => Promise<{ name: string }>;
  log?: Logger;
  out?: { write: (text: string) => unknown };
  /** Progress display (default stderr: a bar on a terminal, a line every 10 s otherwise). */
  progress?: { isTTY?: boolean; write: (text: string) => unknown };
}

/** `amft eval`: a checkpoint over a dataset -> report.json, report.md, confusion.png. */
export async function runEval(argv: string[], deps: EvalDeps = {}): Promise<void> {
  const out = deps.out ?? process.stdout;
  const parsed = parseOrHelp(argv, EVAL, out);
  if (!parsed) return;
  const { values: f } = parsed;
  const log = deps.log ?? cliLogger('amft-eval');
  const backend = await (deps.selectBackend ?? ((b) => selectBackend(b, log)))(f.backend);

  const ckpt = await loadCheckpoint(f.checkpoint);
  const { state } = ckpt;
  const built = (deps.createModel ?? amftModelFactory)({ variant: Variant.parse(state.model.variant), lstm: state.model.lstm, config: state.model.config });
  try {
    try {
      restoreModelWeights(built.model, ckpt.weights);
    } finally {
      disposeCheckpoint(ckpt);
    }
    const spec = state.model.preprocessing;
    if (JSON.stringify(built.preprocessing) !== JSON.stringify(spec)) {
      throw new Error(`the rebuilt model expects ${JSON.stringify(built.preprocessing)}, the checkpoint was trained on ${JSON.stringify(spec)}`);
    }
    const shown = { unit: 'images', stream: deps.progress ?? process.stderr };
    const data = await withProgress({ label: 'decode', ...shown }, (onProgress) =>
      loadDataset(
        { path: f.data, format: f.format, root: f.root, usage: f.usage, maxSamples: f.maxSamples, onBadRow: f.onBadRow },
        { spec, storeSize: f.storeSize, cacheDir: f.cacheDir, onProgress },
      ),
    );
    if (data.bad.length) log.warn(`left out ${data.bad.length} bad rows:\n${formatBadRows(data.bad)}`);
    const evaluation = await withProgress({ label: 'evaluate', ...shown }, (onProgress) => evaluateModel(built.model, data.dataset, spec, { batchSize: f.batchSize, onProgress }));
    const files = await writeReport(f.out, evaluation.report, {
      title: f.title ?? `Evaluation of ${f.data}`,
      extra: {
        checkpoint: ckpt.dir,
        epoch: state.epoch,
        data: f.data,
        format: data.format,
        skipped: data.bad.length,
        loss: evaluation.loss,
        backend: backend.name,
      },
    });
    const r = evaluation.report;
    out.write(
      `${r.count} samples: accuracy ${(100 * r.accuracy).toFixed(2)}%, macro-F1 ${(100 * r.macroF1).toFixed(2)}%` +
        `${r.ece !== undefined ? `, ECE ${(100 * r.ece).toFixed(2)}%` : ''} -> ${files.markdown}\n`,
    );
  } finally {
    built.model.dispose();
  }
}
