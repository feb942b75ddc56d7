import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './config.js';
import { convBn, encoderLayer, trunk } from './blocks.js';
import {
  AdaptiveScaleFusion,
  ChannelAttention,
  FoldTime,
  LastStep,
  NearestUpsample,
  PositionalEmbedding,
  SeededDropout,
  SpatialAttention,
  TorchLstm,
  UnfoldTime,
} from './layers/index.js';

type Sym = tf.SymbolicTensor;
const apply = (layer: tf.layers.Layer, x: Sym | Sym[]): Sym => layer.apply(x) as Sym;

/** Names of the graph inputs/outputs, shared with the ONNX exporter. */
export const IO_NAMES = {
  input: 'input',
  logits: 'logits',
  sequenceInput: 'frames',
  frameLogits: 'frame_logits',
} as const;

/** Resamples a map to `grid` x `grid` by an integer factor: average pooling down, nearest up. */
function resample(x: Sym, grid: number, name: string): Sym {
  const size = x.shape[1] as number;
  if (size === grid) return x;
  if (size > grid) {
    if (size % grid !== 0) throw new Error(`cannot pool a ${size}x${size} map to ${grid}x${grid}: sizes must divide`);
    return apply(tf.layers.averagePooling2d({ poolSize: size / grid, strides: size / grid, padding: 'valid', name }), x);
  }
  if (grid % size !== 0) throw new Error(`cannot upsample a ${size}x${size} map to ${grid}x${grid}: sizes must divide`);
  return apply(new NearestUpsample({ factor: grid / size, name }), x);
}

/**
 * Per-frame network: trunk, multi-scale fusion, spatial + channel attention, transformer over the
 * grid positions as tokens, mean over tokens. Returns the pooled feature [N, d].
 */
function frameFeatures(x: Sym, cfg: ModelConfig): Sym {
  const stages = trunk(x, cfg.trunk);
  const taps = cfg.taps.map((t) => stages[t]);
  let fused: Sym;
  if (taps.length === 1) {
    fused = cfg.fusionWidth == null ? taps[0] : convBn(taps[0], 'fusion_proj1', cfg.fusionWidth, 1, 1, true);
  } else {
    const grid = taps[cfg.fusionGrid].shape[1] as number;
    const maps = taps.map((m, i) => resample(convBn(m, `fusion_proj${i + 1}`, cfg.fusionWidth as number, 1, 1, true), grid, `fusion_resample${i + 1}`));
    fused = apply(new AdaptiveScaleFusion({ name: 'fusion' }), maps);
  }
  let y = apply(new SpatialAttention({ name: 'spatial_attention' }), fused);
  y = apply(new ChannelAttention({ hidden: cfg.channelAttentionHidden, name: 'channel_attention' }), y);
  const [, h, w, d] = y.shape as number[];
  y = apply(tf.layers.reshape({ targetShape: [h * w, d], name: 'tokens' }), y);
  if (cfg.positionalEmbedding) y = apply(new PositionalEmbedding({ name: 'position' }), y);
  for (let l = 0; l < cfg.transformer.layers; l++) y = encoderLayer(y, `encoder${l + 1}`, cfg.transformer);
  return apply(tf.layers.globalAveragePooling1d({ name: 'token_mean' }), y);
}

function classifier(x: Sym, cfg: ModelConfig, name: string): Sym {
  const y = cfg.headDropout > 0 ? apply(new SeededDropout({ rate: cfg.headDropout, name: 'head_dropout' }), x) : x;
  return apply(tf.layers.dense({ units: cfg.numClasses, name }), y);
}

/**
 * Builds an AMFT model. Without LSTM: input [N,H,W,C] (normalized per the preprocessing spec),
 * output logits [N, classes]. With LSTM: input [N,T,H,W,C], outputs [sequence logits [N, classes]
 * (last step), frame logits [N, T, classes]] — the classifier reads the LSTM state at each step.
 */
export function buildModel(cfg: ModelConfig): tf.LayersModel {
  const { height, width, channels } = cfg.preprocessing;
  if (!cfg.lstm) {
    const input = tf.input({ shape: [height, width, channels], name: IO_NAMES.input });
    return tf.model({ inputs: input, outputs: classifier(frameFeatures(input, cfg), cfg, IO_NAMES.logits), name: `amft_${cfg.variant}` });
  }
  const clip = tf.input({ shape: [null, height, width, channels], name: IO_NAMES.sequenceInput });
  const frames = apply(new FoldTime({ name: 'fold_time' }), clip);
  const features = apply(new UnfoldTime({ name: 'unfold_time' }), [frameFeatures(frames, cfg), clip]);
  const states = apply(new TorchLstm({ units: cfg.lstmUnits, name: 'lstm' }), features);
  const frameLogits = classifier(states, cfg, IO_NAMES.frameLogits);
  const logits = apply(new LastStep({ name: IO_NAMES.logits }), frameLogits);
  return tf.model({ inputs: clip, outputs: [logits, frameLogits], name: `amft_${cfg.variant}_lstm` });
}
