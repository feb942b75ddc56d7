import { readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { EvalSummary, type ClassificationReport } from '@amft/shared';
import { MODEL_CARD_FILE, renderModelCard } from '../export/model-card.js';
import { z } from 'zod';
import { loadTrainerCheckpoint, type CheckpointLoader } from '../export/checkpoint-loader.js';
import { exportCheckpoint, type WrittenExport } from '../export/write-export.js';
import { parseFlags } from './flags.js';

const USAGE = `usage: amft export --checkpoint <dir> --out <dir> [options]

  --checkpoint <dir>        a checkpoint directory (<run>/checkpoints/best or last)
  --out <dir>               writes model.onnx (ONNX opset 17, input NCHW), metadata.json and MODEL_CARD.md
  --name <name>             model name in the metadata (default amft-<variant>[-lstm])
  --eval-report <file>      an 'amft eval' report.json to record as the model's metrics (repeatable)
  --optimize                save onnxruntime's optimized graph (level 'all') as model.onnx; it is
                            specific to this machine type, the plain export is kept as model.portable.onnx
  --quantize int8|fp16      store the weights as int8 (one scale per output channel, ~4x smaller) or
                            float16 (~2x smaller); computation stays float32 (DequantizeLinear / Cast)
`;

const OPTIONS = {
  checkpoint: { type: 'string' },
  out: { type: 'string' },
  name: { type: 'string' },
  'eval-report': { type: 'string', multiple: true },
  optimize: { type: 'boolean' },
  quantize: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const ExportFlags = z.object({
  checkpoint: z.string().min(1),
  out: z.string().min(1),
  name: z.string().min(1).optional(),
  evalReport: z.array(z.string().min(1)).default([]),
  optimize: z.boolean().default(false),
  quantize: z.enum(['int8', 'fp16']).optional(),
});
export type ExportFlags = z.infer<typeof ExportFlags>;

export interface ExportDeps {
  /** Reads a checkpoint into a model + config (default: the trainer's checkpoint format). */
  loadCheckpoint?: CheckpointLoader;
  out?: { write: (text: string) => unknown };
  /** Creation time written to the metadata (default: now). */
  now?: () => Date;
}

interface EvalReportFile extends ClassificationReport {
  split?: string;
  usage?: string;
  data?: string;
}

/** The split an `amft eval` report is on: its recorded split or usage, else named after the evaluated data. */
function splitName(r: EvalReportFile, path: string): string {
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

/** Parses `amft export` flags (throws ZodError / ERR_PARSE_ARGS like the other commands). */
export function parseExportFlags(argv: string[]): ExportFlags {
  return parseFlags(argv, OPTIONS, ExportFlags);
}

/** The export behind `amft export`, for callers that want the result. */
export async function exportWithFlags(f: ExportFlags, deps: ExportDeps = {}): Promise<WrittenExport> {
  const metrics = await Promise.all(f.evalReport.map(readEvalReport));
  if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
  const loaded = await (deps.loadCheckpoint ?? loadTrainerCheckpoint)(f.checkpoint);
  try {
    const written = await exportCheckpoint(
      loaded.model,
      loaded.config,
      f.out,
      { ...loaded.metadata, ...(metrics.length ? { metrics } : {}), createdAt: (deps.now ?? (() => new Date()))() },
      { name: f.name, optimize: f.optimize, quantize: f.quantize },
    );
    const reports = await Promise.all(f.evalReport.map(async (p) => {
      const r = await readReportFile(p);
      return { split: splitName(r, p), report: r };
    }));
    await writeFile(join(f.out, MODEL_CARD_FILE), renderModelCard({ metadata: written.metadata, bytes: written.bytes, reports, trainConfig: loaded.trainConfig }));
    return written;
  } finally {
    loaded.model.dispose();
  }
}

/** `amft export`: checkpoint -> <out>/model.onnx + metadata.json + MODEL_CARD.md. */
export async function runExport(argv: string[], deps: ExportDeps = {}): Promise<void> {
  const out = deps.out ?? process.stdout;
  if (argv.includes('--help') || argv.includes('-h')) {
    out.write(USAGE);
    return;
  }
  const f = parseExportFlags(argv);
  const written = await exportWithFlags(f, deps);
  const m = written.metadata;
  out.write(
    `${m.name}: ${m.variant}${m.io.sequence ? ' + LSTM' : ''}, ${m.totalParams.toLocaleString('en-US')} parameters, ${written.report.nodes} nodes -> ` +
      `${written.modelPath} (${(written.bytes / 1e6).toFixed(2)} MB${f.quantize ? `, ${f.quantize} weights` : ''}${f.optimize ? ', onnxruntime-optimized' : ''}), ${written.metadataPath}\n`,
  );
}
