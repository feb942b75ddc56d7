import type { Variant } from '@amft/shared';
import { buildModel, resolveModelConfig, summarize, type ModelSummary } from '../model/index.js';
import { parseOrHelp } from './command.js';
import { INFO } from './info-flags.js';

export function modelInfo(variant: Variant, lstm: boolean): ModelSummary {
  const cfg = resolveModelConfig(variant, { lstm });
  const model = buildModel(cfg);
  try {
    return summarize(model, cfg);
  } finally {
    model.dispose();
  }
}

const fmt = (n: number) => n.toLocaleString('en-US');

/** `amft info [--variant V] [--lstm] [--json]`: parameter counts and FLOPs of a variant. */
export async function runInfo(argv: string[]): Promise<void> {
  const parsed = parseOrHelp(argv, INFO, process.stdout);
  if (!parsed) return;
  const { values: args } = parsed;
  const info = modelInfo(args.variant, args.lstm);
  if (args.json) {
    process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    [
      `variant          ${info.variant}${info.lstm ? ' + LSTM' : ''}`,
      `inputShape       [${info.inputShape.join(', ')}] (NHWC, -1 = dynamic)`,
      `trainableParams  ${fmt(info.trainableParams)}`,
      `totalParams      ${fmt(info.totalParams)}`,
      `macsPerImage     ${fmt(info.macsPerImage)}`,
      `flopsPerImage    ${fmt(info.flopsPerImage)} (${(info.flopsPerImage / 1e6).toFixed(1)} MFLOPs)`,
      '',
    ].join('\n'),
  );
}
