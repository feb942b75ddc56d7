/** The built-in converters: one per tfjs layer className the AMFT models use. */
import { activationConverter } from './activation.js';
import { adaptiveScaleFusionConverter } from './amft-adaptive-scale-fusion.js';
import { channelAttentionConverter } from './amft-channel-attention.js';
import { foldTimeConverter } from './amft-fold-time.js';
import { lastStepConverter } from './amft-last-step.js';
import { multiHeadSelfAttentionConverter } from './amft-multi-head-self-attention.js';
import { nearestUpsampleConverter } from './amft-nearest-upsample.js';
import { positionalEmbeddingConverter } from './amft-positional-embedding.js';
import { spatialAttentionConverter } from './amft-spatial-attention.js';
import { torchLstmConverter } from './amft-torch-lstm.js';
import { unfoldTimeConverter } from './amft-unfold-time.js';
import { addConverter } from './add.js';
import { averagePooling2dConverter } from './average-pooling2d.js';
import { batchNormalizationConverter } from './batch-normalization.js';
import { conv2dConverter } from './conv2d.js';
import { denseConverter } from './dense.js';
import { dropoutConverter } from './dropout.js';
import { globalAveragePooling1dConverter } from './global-average-pooling1d.js';
import { inputLayerConverter } from './input-layer.js';
import { layerNormalizationConverter } from './layer-normalization.js';
import { maxPooling2dConverter } from './max-pooling2d.js';
import { ConverterRegistry, type LayerConverter } from './registry.js';
import { reluConverter } from './relu.js';
import { reshapeConverter } from './reshape.js';
import { zeroPadding2dConverter } from './zero-padding2d.js';

export * from './registry.js';

export const BUILTIN_CONVERTERS: readonly LayerConverter[] = [
  inputLayerConverter,
  zeroPadding2dConverter,
  conv2dConverter,
  batchNormalizationConverter,
  reluConverter,
  activationConverter,
  addConverter,
  maxPooling2dConverter,
  averagePooling2dConverter,
  denseConverter,
  dropoutConverter,
  layerNormalizationConverter,
  reshapeConverter,
  globalAveragePooling1dConverter,
  spatialAttentionConverter,
  channelAttentionConverter,
  multiHeadSelfAttentionConverter,
  positionalEmbeddingConverter,
  adaptiveScaleFusionConverter,
  nearestUpsampleConverter,
  foldTimeConverter,
  unfoldTimeConverter,
  lastStepConverter,
  torchLstmConverter,
];

/** A registry with every built-in converter; extend it with `.register(...)`. */
export function defaultRegistry(): ConverterRegistry {
  return new ConverterRegistry(BUILTIN_CONVERTERS);
}
