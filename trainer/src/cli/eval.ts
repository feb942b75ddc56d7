import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Variant } from '@amft/shared';
import type { Logger } from 'pino';
import { selectBackend, type BackendName } from '../backend/select-backend.js';
import { formatBadRows } from '@amft/shared/dataset';
import { loadDataset } from '../data/load-dataset.js';
import { evaluateModel } from '../evaluate/evaluate-model.js';
import { describeGraph, evaluateOnnx, readExportedModel } from '../evaluate/evaluate-onnx.js';
import { METADATA_FILE, MODEL_FILE } from '../export/write-export.js';
import { writeReport } from '../evaluate/write-report.js';
import { disposeCheckpoint, loadCheckpoint, restoreModelWeights } from '../train/checkpoint.js';
import { amftModelFactory, type ModelFactory } from '../train/model-factory.js';
import { cliLogger } from './log.js';
import { withProgress } from '../progress.js';
import { parseOrHelp } from './command.js';
import { EVAL, type EvalFlags } from './eval-flags.js';

export interface EvalDeps {
  createModel?: ModelFactory;
  selectBackend?: (preferred?: BackendName) => Promise<{ name: string }>;
  log?: Logger;
  out?: { write: (text: string) => unknown };
  /** Progress display (default stderr: a bar on a terminal, a line every 10 s otherwise). */
  progress?: { isTTY?: boolean; write: (text: string) => unknown };
}

/** A usage error (exit 2, as a bad flag): `--checkpoint` given an export directory. */
function checkpointIsExport(dir: string): Error | undefined {
  if (existsSync(join(dir, 'state.json')) || !(existsSync(join(dir, MODEL_FILE)) || existsSync(join(dir, METADATA_FILE)))) return undefined;
  return Object.assign(
    new Error(`--checkpoint ${dir} is an export directory (${MODEL_FILE} + ${METADATA_FILE}), not a training checkpoint: evaluate its ONNX graph with --model ${dir}`),
    { code: 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' },
  );
}

/** The one-line summary printed after an evaluation. */
function summaryLine(r: { count: number; accuracy: number; macroF1: number; ece?: number }, markdown: string, what = ''): string {
  return (
    `${r.count} samples${what}: accuracy ${(100 * r.accuracy).toFixed(2)}%, macro-F1 ${(100 * r.macroF1).toFixed(2)}%` +
    `${r.ece !== undefined ? `, ECE ${(100 * r.ece).toFixed(2)}%` : ''} -> ${markdown}\n`
  );
}

function dataInput(f: EvalFlags) {
  return { path: f.data, format: f.format, root: f.root, usage: f.usage, maxSamples: f.maxSamples, onBadRow: f.onBadRow };
}

/**
 * `amft eval --model <export dir>`: the export's model.onnx in onnxruntime-node (its TTA and
 * temperature included), on the same samples and preprocessing as a checkpoint's evaluation.
 */
async function evalExport(f: EvalFlags & { model: string }, deps: EvalDeps, log: Logger, out: { write: (text: string) => unknown }): Promise<void> {
  const model = await readExportedModel(f.model);
  const { metadata } = model;
  const spec = metadata.preprocessing;
  const shown = { unit: 'images', stream: deps.progress ?? process.stderr };
  const data = await withProgress({ label: 'decode', ...shown }, (onProgress) =>
    loadDataset(dataInput(f), { spec, storeSize: f.storeSize, cacheDir: f.cacheDir, onProgress }),
  );
  if (data.bad.length) log.warn(`left out ${data.bad.length} bad rows:\n${formatBadRows(data.bad)}`);
  const evaluation = await withProgress({ label: 'evaluate (onnxruntime)', ...shown }, (onProgress) => evaluateOnnx(model, data.dataset, { batchSize: f.batchSize, onProgress }));
  const graph = describeGraph(metadata);
  const files = await writeReport(f.out, evaluation.report, {
    title: f.title ?? `Evaluation of ${f.data}: ONNX graph of ${f.model} (${graph})`,
    extra: {
      model: model.modelPath,
      name: metadata.name,
      runtime: 'onnxruntime-node',
      graph: { tta: metadata.tta ?? 'none', temperature: metadata.calibration?.temperature ?? 1, description: graph },
      data: f.data,
      format: data.format,
      skipped: data.bad.length,
      nll: evaluation.nll,
    },
  });
  out.write(summaryLine(evaluation.report, files.markdown, ` (ONNX graph, ${graph})`));
}

/** `amft eval`: a checkpoint (--checkpoint) or an export's ONNX graph (--model) over a dataset -> report.json, report.md, confusion.png. */
export async function runEval(argv: string[], deps: EvalDeps = {}): Promise<void> {
  const out = deps.out ?? process.stdout;
  const parsed = parseOrHelp(argv, EVAL, out);
  if (!parsed) return;
  const { values: f } = parsed;
  const log = deps.log ?? cliLogger('amft-eval');
  if (f.model !== undefined) return evalExport({ ...f, model: f.model }, deps, log, out);
  const checkpoint = f.checkpoint as string;
  const usage = checkpointIsExport(checkpoint);
  if (usage) throw usage;
  const backend = await (deps.selectBackend ?? ((b) => selectBackend(b, log)))(f.backend);

  const ckpt = await loadCheckpoint(checkpoint);
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
        dataInput(f),
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
    out.write(summaryLine(evaluation.report, files.markdown));
  } finally {
    built.model.dispose();
  }
}
