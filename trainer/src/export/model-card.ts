/**
 * MODEL_CARD.md for an export directory: what the model is, how it was trained, and how well it
 * does, from the metadata and the `amft eval` reports given to `amft export --eval-report`.
 */
import { ECE_BINS, reportToMarkdown, type ClassificationReport, type ModelMetadata } from '@amft/shared';
import { z } from 'zod';
import { TTA_AUTO_GAIN, type TuneResult } from './tune-export.js';
import { CROP_FRACTION } from './tta-graph.js';

export const MODEL_CARD_FILE = 'MODEL_CARD.md';

export interface CardReport {
  /** The data the report is on, e.g. "fer2013/val". */
  split: string;
  report: ClassificationReport;
}

/** `amft export --card card.json`: how the run was chosen and what it cost. */
export const CardRecipe = z
  .object({
    /** The command that reproduces the run from scratch. */
    command: z.string().min(1).optional(),
    epochs: z.number().nonnegative().optional(),
    cpuHours: z.number().nonnegative().optional(),
    /** The machine the hours were spent on, in words. */
    machine: z.string().optional(),
    /** What the recipe table is: how the candidates were run, what to read from it. */
    recipeNote: z.string().optional(),
    /** Recipe candidates compared before the run (short runs at equal CPU time). */
    recipe: z
      .array(
        z
          .object({
            candidate: z.string().min(1),
            settings: z.string().optional(),
            epochs: z.number().nonnegative().optional(),
            cpuHours: z.number().nonnegative().optional(),
            valAccuracy: z.number().min(0).max(1).optional(),
            valMacroF1: z.number().min(0).max(1).optional(),
            chosen: z.boolean().optional(),
            notes: z.string().optional(),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();
export type CardRecipe = z.infer<typeof CardRecipe>;

export interface CardInput {
  metadata: ModelMetadata;
  bytes: number;
  reports: CardReport[];
  /** Training hyperparameters, as recorded in the checkpoint. */
  trainConfig?: Record<string, unknown>;
  /** Pictures beside the card (file names relative to it): the run's curves, the first report's confusion matrix. */
  figures?: { curves?: string; confusion?: string };
  /** What `amft export` measured and decided on --val-data (TTA, temperature). */
  tuning?: TuneResult;
  recipe?: CardRecipe;
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
const fmt = (n: number) => n.toLocaleString('en-US');

/** A duration to the nearest minute, "3 h 59 min"; minutes that round to 60 carry into the hours (3.999 h: "4 h 0 min"). */
export function duration(seconds: number): string {
  const minutes = Math.round(seconds / 60);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h > 0 ? `${h} h ${m} min` : `${m} min`;
}

const opt = (x: number | undefined, f: (v: number) => string) => (x === undefined ? '' : f(x));

function recipeLines(r: CardRecipe): string[] {
  const lines: string[] = [];
  if (r.command) lines.push('Reproduce the run from scratch:', '', '```bash', r.command, '```', '');
  const cost = [r.epochs !== undefined ? `${r.epochs} epochs` : '', r.cpuHours !== undefined ? `${r.cpuHours.toFixed(r.cpuHours < 10 ? 2 : 1)} CPU hours` : '', r.machine ?? ''].filter(Boolean);
  if (cost.length) lines.push(`- cost: ${cost.join(', ')}`, '');
  if (r.recipe.length) {
    lines.push('### Recipe candidates', '', ...(r.recipeNote ? [r.recipeNote, ''] : []), '| candidate | settings | epochs | CPU hours | val accuracy | val macro-F1 | notes |', '| --- | --- | ---: | ---: | ---: | ---: | --- |');
    for (const c of r.recipe) {
      lines.push(
        `| ${c.chosen ? `**${c.candidate}** (chosen)` : c.candidate} | ${c.settings ?? ''} | ${opt(c.epochs, String)} | ${opt(c.cpuHours, (h) => h.toFixed(2))} | ${opt(c.valAccuracy, pct)} | ${opt(c.valMacroF1, pct)} | ${c.notes ?? ''} |`,
      );
    }
    lines.push('');
  }
  return lines;
}

function tuningLines(m: ModelMetadata, t: TuneResult | undefined): string[] {
  const lines = ['## Test-time augmentation and calibration', ''];
  lines.push(
    {
      none: '- TTA: none — the graph classifies each image once.',
      flip: '- TTA: **flip** — the graph runs each image and its horizontal mirror as one batch and averages the two logits.',
      crops: `- TTA: **crops** — the graph runs each image, its four corner crops (${Math.round(100 * CROP_FRACTION)}% of each side, resized back) and the mirrors of all five as one batch and averages the ten logits.`,
    }[m.tta ?? 'none'],
  );
  if (t?.measured) {
    const { none, flip, crops, split, count } = t.measured;
    lines.push(
      '',
      `Measured by \`amft export\` with onnxruntime-node on ${fmt(count)} images of \`${split}\` (auto keeps flip when it gains >= ${(100 * TTA_AUTO_GAIN).toFixed(1)} points; crops only with \`--tta crops\`):`,
      '',
      '| graph | accuracy | macro-F1 | images/s |',
      '| --- | ---: | ---: | ---: |',
      `| without TTA | ${pct(none.accuracy)} | ${pct(none.macroF1)} | ${fmt(Math.round(none.imagesPerSecond))} |`,
      `| flip TTA | ${pct(flip.accuracy)} | ${pct(flip.macroF1)} | ${fmt(Math.round(flip.imagesPerSecond))} |`,
      `| crops TTA (10 views) | ${pct(crops.accuracy)} | ${pct(crops.macroF1)} | ${fmt(Math.round(crops.imagesPerSecond))} |`,
      '',
    );
  }
  const c = m.calibration ?? t?.calibrationFit;
  if (c) {
    const fitted = `temperature **${c.temperature.toFixed(3)}** fitted on ${fmt(c.count)} images of \`${c.split}\` (minimum NLL)`;
    lines.push(
      m.calibration
        ? `- calibration: ${fitted}; \`probabilities\` = softmax(logits / T), \`logits\` stay raw.`
        : `- calibration: ${fitted}, **not applied**: it raised the expected calibration error there, so \`probabilities\` = softmax(logits) (T = 1).`,
      '',
      `| | ECE (${ECE_BINS} bins) | NLL |`,
      '| --- | ---: | ---: |',
      `| before (T = 1) | ${pct(c.eceBefore)} | ${c.nllBefore.toFixed(4)} |`,
      `| after (T = ${c.temperature.toFixed(3)}) | ${pct(c.eceAfter)} | ${c.nllAfter.toFixed(4)} |`,
      '',
    );
  } else {
    lines.push('- calibration: none (probabilities = softmax(logits)).', '');
  }
  return lines;
}

export function renderModelCard({ metadata: m, bytes, reports, trainConfig, tuning, recipe, figures = {} }: CardInput): string {
  const p = m.preprocessing;
  const lines = [
    `# Model card: ${m.name}`,
    '',
    `AMFT \`${m.variant}\` variant${m.io.sequence ? ' with the LSTM sequence head' : ''}, exported to ONNX (opset ${m.opset}) by \`amft export\` on ${m.createdAt.slice(0, 10)}.`,
    '',
    '## Model',
    '',
    '| | |',
    '| --- | --- |',
    `| input | \`${m.io.sequence ? m.io.sequence.input : m.io.input}\` float32 ${m.io.sequence ? '[N, T, ' : '[N, '}${p.channels}, ${p.height}, ${p.width}] (${p.channels === 1 ? 'grayscale' : 'RGB'}) |`,
    `| normalization | pixel/255, then (x - ${JSON.stringify(p.mean)}) / ${JSON.stringify(p.std)} |`,
    `| outputs | \`${m.io.logits}\` [N, 7], \`${m.io.probabilities}\` [N, 7]${m.io.sequence ? `, \`${m.io.sequence.frameLogits}\` [N, T, 7]` : ''} |`,
    `| labels | ${m.labels.join(', ')} (FER2013 order) |`,
    `| parameters | ${fmt(m.trainableParams)} trainable, ${fmt(m.totalParams)} in all |`,
    `| FLOPs per image | ${fmt(m.flopsPerImage)} (${(m.flopsPerImage / 1e6).toFixed(1)} M; 2 x multiply-accumulates) |`,
    `| file size | ${(bytes / 1e6).toFixed(2)} MB |`,
    '',
    '## Training',
    '',
  ];
  if (m.training) {
    lines.push(
      `- data: ${m.training.dataset}`,
      `- epochs: ${m.training.epochs}`,
      `- training time: ${duration(m.training.seconds)} on the TensorFlow.js \`${m.training.backend}\` backend`,
    );
  } else {
    lines.push('- not recorded');
  }
  if (trainConfig) {
    const keys = ['optimizer', 'lr', 'minLr', 'warmupEpochs', 'weightDecay', 'batchSize', 'labelSmoothing', 'balance', 'augment', 'seed'];
    const shown = keys.filter((k) => k in trainConfig).map((k) => `${k} ${JSON.stringify(trainConfig[k])}`);
    if (shown.length) lines.push(`- hyperparameters: ${shown.join(', ')}`);
  }
  if (figures.curves) lines.push('', `![Loss and accuracy per epoch, train and validation](${figures.curves})`);
  lines.push('');
  if (recipe) lines.push(...recipeLines(recipe));
  lines.push(...tuningLines(m, tuning));
  lines.push('## Evaluation', '');
  if (figures.confusion) lines.push(`![Confusion matrix${reports[0] ? ` on ${reports[0].split}` : ''}](${figures.confusion})`, '');
  if (reports.length === 0) lines.push('No evaluation report was given to `amft export --eval-report`.', '');
  for (const { split, report } of reports) {
    lines.push(`Accuracy **${pct(report.accuracy)}**, macro-F1 **${pct(report.macroF1)}** on ${fmt(report.count)} images of \`${split}\`.`, '');
    const complete = Array.isArray(report.confusionMatrix) && report.labels?.every((l) => report.perClass?.[l] !== undefined);
    if (complete) lines.push(reportToMarkdown(report, `Evaluation on ${split}`).replace(/^# /, '### '));
  }
  lines.push(
    '## Intended use and limitations',
    '',
    '- Classifies the facial expression of a detected, cropped face into seven basic categories; it does not infer emotions, intent or identity.',
    '- FER2013 faces are 48x48 grayscale web images, mostly frontal, with label noise (human accuracy is about 65%); accuracy drops on profile views, occlusion, low light and groups under-represented in the data.',
    '- Disgust is 1.5% of the training data and is the least reliable class.',
    '',
  );
  return lines.join('\n');
}
