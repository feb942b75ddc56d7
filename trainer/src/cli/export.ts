import { existsSync } from 'node:fs';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { EvalSummary, type ClassificationReport } from '@amft/shared';
import { CardRecipe, MODEL_CARD_FILE, renderModelCard } from '../export/model-card.js';
import { formatBadRows } from '@amft/shared/dataset';
import { loadDataset } from '../data/load-dataset.js';
import { loadTrainerCheckpoint, type CheckpointLoader, type LoadedForExport } from '../export/checkpoint-loader.js';
import { prepareValSet } from '../export/onnx-val.js';
import { tuneExport, type TuneResult } from '../export/tune-export.js';
import { exportCheckpoint, type WrittenExport } from '../export/write-export.js';
import { parseCommand, parseOrHelp } from './command.js';
import { EXPORT, type ExportFlags } from './export-flags.js';
import { progress } from '../progress.js';

export interface ExportDeps {
  /** Reads a checkpoint into a model + config (default: the trainer's checkpoint format). */
  loadCheckpoint?: CheckpointLoader;
  out?: { write: (text: string) => unknown };
  /** Creation time written to the metadata (default: now). */
  now?: () => Date;
  /** Progress display (default stderr): checkpoint loaded, TTA/calibration, ONNX written and checked, model card. */
  progress?: { isTTY?: boolean; write: (text: string) => unknown };
}

interface EvalReportFile extends ClassificationReport {
  split?: string;
  usage?: string;
  data?: string;
}

/** The split an `amft eval` report is on: its recorded split or usage, else named after the evaluated data. */
function splitName(r: Pick<EvalReportFile, 'split' | 'usage' | 'data'>, path: string): string {
  if (r.split ?? r.usage) return (r.split ?? r.usage) as string;
  if (!r.data) return basename(path);
  // a file names itself (fer2013.csv); a folder is named with its parent (fer2013/val)
  const parts = r.data.split(/[\\/]/).filter(Boolean);
  return parts[parts.length - 1].includes('.') ? parts[parts.length - 1] : parts.slice(-2).join('/');
}

async function readReportFile(path: string): Promise<EvalReportFile> {
  return JSON.parse(await readFile(path, 'utf8')) as EvalReportFile;
}

/** An `amft eval` report.json -> one metrics entry; the split is named after the evaluated data. */
export async function readEvalReport(path: string): Promise<EvalSummary> {
  const r = await readReportFile(path);
  return EvalSummary.parse({ split: splitName(r, path), count: r.count, accuracy: r.accuracy, macroF1: r.macroF1 });
}

/**
 * Copies the pictures the model card shows into the export: the run's curves.png and
 * curves.svg (the checkpoint is <run>/checkpoints/<name>) and the first eval report's
 * confusion.png, when they exist. Returns the names copied.
 */
async function copyFigures(f: ExportFlags, out: string): Promise<{ curves?: string; confusion?: string }> {
  const copy = async (from: string, name: string) => (existsSync(from) ? (await copyFile(from, join(out, name)), name) : undefined);
  const run = dirname(dirname(resolve(f.checkpoint)));
  const curves = await copy(join(run, 'curves.png'), 'curves.png');
  if (curves) await copy(join(run, 'curves.svg'), 'curves.svg');
  const confusion = f.evalReport[0] ? await copy(join(dirname(f.evalReport[0]), 'confusion.png'), 'confusion.png') : undefined;
  return { ...(curves ? { curves } : {}), ...(confusion ? { confusion } : {}) };
}

/** Parses `amft export` flags (throws ZodError / ERR_PARSE_ARGS like the other commands). */
export function parseExportFlags(argv: string[]): ExportFlags {
  return parseCommand(argv, EXPORT).values;
}

/** `--card card.json`, validated; problems are named by their place in the file, not as flags. */
async function readCard(path: string): Promise<CardRecipe> {
  const parsed = CardRecipe.safeParse(JSON.parse(await readFile(path, 'utf8')));
  if (!parsed.success) throw new Error(`--card ${path}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** The split name of --val-data, as an eval report of the same data would name it. */
function valSplit(f: ExportFlags): string {
  return splitName({ data: f.valData, usage: f.valUsage }, f.valData ?? 'val');
}

/** --tta and --calibrate: decided on --val-data with the exported graphs in onnxruntime. */
async function tune(f: ExportFlags, loaded: LoadedForExport): Promise<TuneResult> {
  if (!f.valData) return tuneExport(loaded.model, loaded.config, { tta: f.tta, calibrate: f.calibrate });
  const spec = loaded.config.preprocessing;
  const data = await loadDataset({ path: f.valData, format: f.valFormat, root: f.valRoot, usage: f.valUsage, maxSamples: f.valMaxSamples, onBadRow: 'fail' }, { spec });
  if (data.bad.length) throw new Error(`--val-data has bad rows:\n${formatBadRows(data.bad)}`);
  const set = await prepareValSet(data.dataset, spec, loaded.config.lstm);
  return tuneExport(loaded.model, loaded.config, { tta: f.tta, calibrate: f.calibrate, val: { set, split: valSplit(f) } });
}

/** The export behind `amft export`, for callers that want the result. */
export async function exportWithFlags(f: ExportFlags, deps: ExportDeps = {}): Promise<WrittenExport & { tuning: TuneResult }> {
  const metrics = await Promise.all(f.evalReport.map(readEvalReport));
  const recipe = f.card ? await readCard(f.card) : undefined;
  if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
  // steps: load the checkpoint; TTA and calibration (measured on --val-data when given); convert,
  // write and check the ONNX graph (with --optimize, the optimized graph against the portable
  // one); the model card
  const bar = progress({ label: 'export', total: 4, unit: 'steps', stream: deps.progress ?? process.stderr });
  const loaded = await (deps.loadCheckpoint ?? loadTrainerCheckpoint)(f.checkpoint);
  bar.tick();
  try {
    const tuning = await tune(f, loaded);
    bar.tick();
    const written = await exportCheckpoint(
      loaded.model,
      loaded.config,
      f.out,
      { ...loaded.metadata, ...(metrics.length ? { metrics } : {}), createdAt: (deps.now ?? (() => new Date()))() },
      { name: f.name, optimize: f.optimize, quantize: f.quantize, tta: tuning.tta, calibration: tuning.calibration },
    );
    bar.tick();
    const reports = await Promise.all(f.evalReport.map(async (p) => {
      const r = await readReportFile(p);
      return { split: splitName(r, p), report: r };
    }));
    const figures = await copyFigures(f, f.out);
    await writeFile(join(f.out, MODEL_CARD_FILE), renderModelCard({ metadata: written.metadata, bytes: written.bytes, reports, trainConfig: loaded.trainConfig, tuning, recipe, figures }));
    bar.tick();
    return { ...written, tuning };
  } finally {
    bar.done();
    loaded.model.dispose();
  }
}

/** `amft export`: checkpoint -> <out>/model.onnx + metadata.json + MODEL_CARD.md. */
export async function runExport(argv: string[], deps: ExportDeps = {}): Promise<void> {
  const out = deps.out ?? process.stdout;
  const parsed = parseOrHelp(argv, EXPORT, out);
  if (!parsed) return;
  const f = parsed.values;
  const written = await exportWithFlags(f, deps);
  const m = written.metadata;
  out.write(
    `${m.name}: ${m.variant}${m.io.sequence ? ' + LSTM' : ''}, ${m.totalParams.toLocaleString('en-US')} parameters, ${written.report.nodes} nodes -> ` +
      `${written.modelPath} (${(written.bytes / 1e6).toFixed(2)} MB${f.quantize ? `, ${f.quantize} weights` : ''}${f.optimize ? ', onnxruntime-optimized' : ''}` +
      `${m.tta && m.tta !== 'none' ? `, ${m.tta} TTA` : ''}${m.calibration ? `, temperature ${m.calibration.temperature.toFixed(3)}` : ''}), ${written.metadataPath}\n`,
  );
  const measured = written.tuning.measured;
  if (measured) {
    const line = (what: string, g: { accuracy: number; imagesPerSecond: number }) => `${what} ${(100 * g.accuracy).toFixed(2)}% at ${Math.round(g.imagesPerSecond)} images/s`;
    out.write(`${measured.split} (${measured.count} images, onnxruntime): ${line('without TTA', measured.none)}; ${line('flip TTA', measured.flip)}; ${line('crops TTA', measured.crops)}\n`);
  }
  const c = written.tuning.calibrationFit;
  if (c) {
    out.write(
      `calibration: T ${c.temperature.toFixed(3)}, ECE ${(100 * c.eceBefore).toFixed(2)}% -> ${(100 * c.eceAfter).toFixed(2)}%, NLL ${c.nllBefore.toFixed(4)} -> ${c.nllAfter.toFixed(4)}` +
        `${m.calibration ? '' : ' (not applied: ECE rose; T = 1)'}\n`,
    );
  }
}
