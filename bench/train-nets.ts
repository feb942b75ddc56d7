// The nets bench/train.ts times: resnet-ref (the reference, ResNet-18-like for 48x48x1),
// lite (default), amft and seed (224x224, slow on a CPU). Add nets to NETS: an uncompiled
// tf.LayersModel ending in a softmax, and an exported factory that data-parallel workers import
// (this module: it runs nothing when imported).
import * as tf from '@tensorflow/tfjs';
import { fileURLToPath } from 'node:url';
import type { Variant } from '@amft/shared';
import type { ModelFactorySpec } from '../trainer/src/backend/data-parallel.js';
import { buildModel, resolveModelConfig } from '../trainer/src/model/index.js';

export type ModelFactory = () => tf.LayersModel;

export interface NetSpec {
  build: ModelFactory;
  /** the same model for data-parallel workers: an exported factory they can import */
  factory: ModelFactorySpec;
  inputShape: [number, number, number];
  classes: number;
}

/** The reference net: ResNet-18-like for 48x48x1. */
function convBn(x: tf.SymbolicTensor, filters: number, kernelSize: number, strides: number, relu: boolean): tf.SymbolicTensor {
  let y = tf.layers.conv2d({ filters, kernelSize, strides, padding: 'same', useBias: false, kernelInitializer: 'heNormal' }).apply(x) as tf.SymbolicTensor;
  y = tf.layers.batchNormalization({ axis: -1 }).apply(y) as tf.SymbolicTensor;
  return relu ? (tf.layers.reLU().apply(y) as tf.SymbolicTensor) : y;
}

/** Basic residual block: two 3x3 conv+BN, 1x1 conv+BN projection when the shape changes. */
function basicBlock(x: tf.SymbolicTensor, filters: number, strides: number): tf.SymbolicTensor {
  const inChannels = x.shape[x.shape.length - 1];
  let y = convBn(x, filters, 3, strides, true);
  y = convBn(y, filters, 3, 1, false);
  const shortcut = strides !== 1 || inChannels !== filters ? convBn(x, filters, 1, strides, false) : x;
  const sum = tf.layers.add().apply([y, shortcut]) as tf.SymbolicTensor;
  return tf.layers.reLU().apply(sum) as tf.SymbolicTensor;
}

/** (channels, stride) of the residual blocks. */
export const REFERENCE_BLOCKS: ReadonlyArray<readonly [number, number]> = [[32, 1], [64, 2], [64, 1], [128, 2], [128, 1], [256, 2], [256, 1]];

export function buildReferenceResNet(classes = 7): tf.LayersModel {
  const input = tf.input({ shape: [48, 48, 1] });
  let x = convBn(input, 32, 3, 1, true);
  for (const [filters, stride] of REFERENCE_BLOCKS) x = basicBlock(x, filters, stride);
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: classes, activation: 'softmax' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'resnet_ref' });
}

/** An AMFT variant (trainer/src/model) with a softmax on its logits, for this benchmark's loss. */
export function buildAmftVariant(variant: Variant): tf.LayersModel {
  const model = buildModel(resolveModelConfig(variant));
  const probs = tf.layers.activation({ activation: 'softmax' }).apply(model.outputs[0]) as tf.SymbolicTensor;
  return tf.model({ inputs: model.inputs, outputs: probs, name: `${model.name}_softmax` });
}

function amftNet(variant: Variant): NetSpec {
  const { height, width, channels } = resolveModelConfig(variant).preprocessing;
  return {
    build: () => buildAmftVariant(variant),
    factory: { module: fileURLToPath(import.meta.url), exportName: 'buildAmftVariant', config: variant },
    inputShape: [height, width, channels],
    classes: 7,
  };
}

export const NETS: Record<string, NetSpec> = {
  'resnet-ref': {
    build: () => buildReferenceResNet(7),
    factory: { module: fileURLToPath(import.meta.url), exportName: 'buildReferenceResNet', config: 7 },
    inputShape: [48, 48, 1],
    classes: 7,
  },
  lite: amftNet('lite'),
  // 224x224 RGB ResNet-50 trunks: minutes per batch-64 step on a CPU; run with --nets amft --batch 4
  amft: amftNet('amft'),
  seed: amftNet('seed'),
};

/** What runs without --nets: the reference net and the variant meant for CPUs. */
export const DEFAULT_NETS = ['resnet-ref', 'lite'];
