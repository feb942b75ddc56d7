/**
 * The model's metadata: `metadata.json` beside model.onnx (the service reads it) and the same
 * facts in the ONNX file's metadata_props, so the file describes itself.
 */
import type * as tf from '@tensorflow/tfjs';
import { LABELS, ModelMetadata, type EvalSummary, type ModelMetadataInput } from '@amft/shared';
import type { ModelConfig } from '../model/config.js';
import { IO_NAMES } from '../model/build-model.js';
import { summarize, type ModelSummary } from '../model/summary.js';
import { OPSET, type StringStringEntryProto } from './onnx.js';

/** Name of the softmax output (beside IO_NAMES.logits). */
export const PROBABILITIES = 'probabilities';

/** What the caller adds to the metadata the exporter derives from the model and its config. */
export interface ExportMetadataInput {
  /** Model name (default `amft-<variant>[-lstm]`). */
  name?: string;
  /** Evaluation results of the trained model. */
  metrics?: EvalSummary[];
  /** How it was trained. */
  training?: ModelMetadata['training'];
  /** Creation time (default: now). */
  createdAt?: string | Date;
  /** Test-time augmentation in the graph (default none). */
  tta?: ModelMetadata['tta'];
  /** The temperature in the graph and how it was fitted. */
  calibration?: ModelMetadata['calibration'];
}

export type ModelIo = ModelMetadata['io'];

/**
 * Graph I/O names. Per image: `input` [N,C,H,W] -> `logits`, `probabilities` [N,K]. With the LSTM
 * head the graph's only input is `frames` [N,T,C,H,W] and its outputs `logits`, `probabilities`
 * [N,K] (last step) and `frame_logits` [N,T,K]; `io.sequence` names them, and the top-level
 * fields (required by the schema) name the same tensors.
 */
export function modelIo(cfg: Pick<ModelConfig, 'lstm'>): ModelIo {
  if (!cfg.lstm) return { input: IO_NAMES.input, logits: IO_NAMES.logits, probabilities: PROBABILITIES };
  return {
    input: IO_NAMES.sequenceInput,
    logits: IO_NAMES.logits,
    probabilities: PROBABILITIES,
    sequence: { input: IO_NAMES.sequenceInput, logits: IO_NAMES.logits, probabilities: PROBABILITIES, frameLogits: IO_NAMES.frameLogits },
  };
}

export function defaultModelName(cfg: Pick<ModelConfig, 'variant' | 'lstm'>): string {
  return `amft-${cfg.variant}${cfg.lstm ? '-lstm' : ''}`;
}

/** The validated metadata of an export. */
export function buildMetadata(cfg: ModelConfig, summary: ModelSummary, input: ExportMetadataInput = {}): ModelMetadata {
  if (cfg.numClasses !== LABELS.length) throw new Error(`the model has ${cfg.numClasses} classes; the metadata needs the ${LABELS.length} labels ${LABELS.join(',')}`);
  const createdAt = input.createdAt instanceof Date ? input.createdAt.toISOString() : (input.createdAt ?? new Date().toISOString());
  const raw: ModelMetadataInput = {
    format: 'amft-onnx',
    schemaVersion: 1,
    name: input.name ?? defaultModelName(cfg),
    variant: cfg.variant,
    labels: [...LABELS],
    preprocessing: cfg.preprocessing,
    io: modelIo(cfg),
    opset: OPSET,
    trainableParams: summary.trainableParams,
    totalParams: summary.totalParams,
    flopsPerImage: summary.flopsPerImage,
    metrics: input.metrics ?? [],
    ...(input.training ? { training: input.training } : {}),
    ...(input.tta ? { tta: input.tta } : {}),
    ...(input.calibration ? { calibration: input.calibration } : {}),
    createdAt,
  };
  return ModelMetadata.parse(raw);
}

export function buildMetadataFor(model: tf.LayersModel, cfg: ModelConfig, input: ExportMetadataInput = {}): { metadata: ModelMetadata; summary: ModelSummary } {
  const summary = summarize(model, cfg);
  return { metadata: buildMetadata(cfg, summary, input), summary };
}

/** Keys of the ONNX metadata_props the exporter writes. */
export const METADATA_KEYS = {
  /** The whole metadata.json. */
  metadata: 'amft.metadata',
  labels: 'amft.labels',
  preprocessing: 'amft.preprocessing',
  variant: 'amft.variant',
  lstm: 'amft.lstm',
  io: 'amft.io',
  trainableParams: 'amft.trainable_params',
  totalParams: 'amft.total_params',
  flopsPerImage: 'amft.flops_per_image',
  macsPerImage: 'amft.macs_per_image',
  metrics: 'amft.metrics',
  training: 'amft.training',
  modelConfig: 'amft.model_config',
} as const;

/** The metadata as ONNX metadata_props (string -> string; JSON for structured values). */
export function metadataProps(metadata: ModelMetadata, summary: ModelSummary, cfg: ModelConfig): StringStringEntryProto[] {
  const props: Record<string, string> = {
    [METADATA_KEYS.metadata]: JSON.stringify(metadata),
    [METADATA_KEYS.labels]: JSON.stringify(metadata.labels),
    [METADATA_KEYS.preprocessing]: JSON.stringify(metadata.preprocessing),
    [METADATA_KEYS.variant]: metadata.variant,
    [METADATA_KEYS.lstm]: String(cfg.lstm),
    [METADATA_KEYS.io]: JSON.stringify(metadata.io),
    [METADATA_KEYS.trainableParams]: String(metadata.trainableParams),
    [METADATA_KEYS.totalParams]: String(metadata.totalParams),
    [METADATA_KEYS.flopsPerImage]: String(metadata.flopsPerImage),
    [METADATA_KEYS.macsPerImage]: String(summary.macsPerImage),
    [METADATA_KEYS.metrics]: JSON.stringify(metadata.metrics),
    ...(metadata.training ? { [METADATA_KEYS.training]: JSON.stringify(metadata.training) } : {}),
    [METADATA_KEYS.modelConfig]: JSON.stringify(cfg),
  };
  return Object.entries(props).map(([key, value]) => ({ key, value }));
}

/** Reads the metadata back from an ONNX model's metadata_props. */
export function metadataFromProps(props: ReadonlyArray<StringStringEntryProto> | null | undefined): ModelMetadata {
  const entry = props?.find((p) => p.key === METADATA_KEYS.metadata);
  if (!entry?.value) throw new Error(`the model has no ${METADATA_KEYS.metadata} metadata entry`);
  return ModelMetadata.parse(JSON.parse(entry.value));
}
