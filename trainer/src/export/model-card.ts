/**
 * MODEL_CARD.md for an export directory: what the model is, how it was trained, and how well it
 * does, from the metadata and the `amft eval` reports given to `amft export --eval-report`.
 */
import { reportToMarkdown, type ClassificationReport, type ModelMetadata } from '@amft/shared';

export const MODEL_CARD_FILE = 'MODEL_CARD.md';

export interface CardReport {
  /** The data the report is on, e.g. "fer2013/val". */
  split: string;
  report: ClassificationReport;
}

export interface CardInput {
  metadata: ModelMetadata;
  bytes: number;
  reports: CardReport[];
  /** Training hyperparameters, as recorded in the checkpoint. */
  trainConfig?: Record<string, unknown>;
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
const fmt = (n: number) => n.toLocaleString('en-US');

function duration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.round((seconds % 3600) / 60);
  return h > 0 ? `${h} h ${m} min` : `${m} min`;
}

export function renderModelCard({ metadata: m, bytes, reports, trainConfig }: CardInput): string {
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
  lines.push('', '## Evaluation', '');
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
