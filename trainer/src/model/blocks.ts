import * as tf from '@tensorflow/tfjs';
import type { ModelConfig, TrunkConfig } from './config.js';
import { MultiHeadSelfAttention, SeededDropout } from './layers/index.js';

type Sym = tf.SymbolicTensor;

const apply = (layer: tf.layers.Layer, x: Sym | Sym[]): Sym => layer.apply(x) as Sym;

/**
 * Convolution without bias + batch norm (PyTorch defaults: eps 1e-5, momentum 0.1), optionally ReLU.
 * Strided convolutions pad symmetrically by k//2 like PyTorch (explicit ZeroPadding2D + 'valid'),
 * not TensorFlow's bottom-heavy 'same', so weights and outputs match the original project.
 */
export function convBn(x: Sym, name: string, filters: number, kernel: number, stride: number, relu: boolean): Sym {
  let y = x;
  let padding: 'same' | 'valid' = 'same';
  if (stride > 1 || kernel === 1) {
    padding = 'valid';
    const p = Math.floor(kernel / 2);
    if (p > 0) y = apply(tf.layers.zeroPadding2d({ padding: [[p, p], [p, p]], name: `${name}_pad` }), y);
  }
  y = apply(
    tf.layers.conv2d({ filters, kernelSize: kernel, strides: stride, padding, useBias: false, kernelInitializer: 'heNormal', name: `${name}_conv` }),
    y,
  );
  y = apply(tf.layers.batchNormalization({ axis: -1, epsilon: 1e-5, momentum: 0.9, name: `${name}_bn` }), y);
  return relu ? apply(tf.layers.reLU({ name: `${name}_relu` }), y) : y;
}

function shortcut(x: Sym, name: string, filters: number, stride: number): Sym {
  const inWidth = x.shape[3];
  if (stride === 1 && inWidth === filters) return x;
  return convBn(x, `${name}_down`, filters, 1, stride, false);
}

/** torchvision's Bottleneck (v1.5: stride on the 3x3), expansion 4. */
function bottleneck(x: Sym, name: string, width: number, stride: number): Sym {
  const inner = width / 4;
  let y = convBn(x, `${name}_a`, inner, 1, 1, true);
  y = convBn(y, `${name}_b`, inner, 3, stride, true);
  y = convBn(y, `${name}_c`, width, 1, 1, false);
  const sum = apply(tf.layers.add({ name: `${name}_add` }), [y, shortcut(x, name, width, stride)]);
  return apply(tf.layers.reLU({ name: `${name}_out` }), sum);
}

/** ResNet basic block: two 3x3 convolutions. */
function basic(x: Sym, name: string, width: number, stride: number): Sym {
  let y = convBn(x, `${name}_a`, width, 3, stride, true);
  y = convBn(y, `${name}_b`, width, 3, 1, false);
  const sum = apply(tf.layers.add({ name: `${name}_add` }), [y, shortcut(x, name, width, stride)]);
  return apply(tf.layers.reLU({ name: `${name}_out` }), sum);
}

/** The residual trunk. Returns every stage's output map. */
export function trunk(x: Sym, cfg: TrunkConfig): Sym[] {
  let y = convBn(x, 'stem', cfg.stemWidth, cfg.stemKernel, cfg.stemStride, true);
  if (cfg.stemPool) {
    y = apply(tf.layers.zeroPadding2d({ padding: [[1, 1], [1, 1]], name: 'stem_pool_pad' }), y);
    y = apply(tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'valid', name: 'stem_pool' }), y);
  }
  const block = cfg.block === 'bottleneck' ? bottleneck : basic;
  const stages: Sym[] = [];
  cfg.widths.forEach((width, s) => {
    for (let b = 0; b < cfg.blocks[s]; b++) y = block(y, `stage${s + 1}_block${b + 1}`, width, b === 0 ? cfg.strides[s] : 1);
    stages.push(y);
  });
  return stages;
}

/** Post-norm transformer encoder layer (PyTorch nn.TransformerEncoderLayer, ReLU, batch_first). */
export function encoderLayer(x: Sym, name: string, t: ModelConfig['transformer']): Sym {
  const width = x.shape[2] as number;
  const drop = (n: string) => new SeededDropout({ rate: t.dropout, name: `${name}_${n}` });
  const attn = apply(new MultiHeadSelfAttention({ heads: t.heads, dropout: t.dropout, name: `${name}_attn` }), x);
  let y = apply(tf.layers.add({ name: `${name}_add1` }), [x, apply(drop('drop1'), attn)]);
  y = apply(tf.layers.layerNormalization({ axis: -1, epsilon: t.epsilon, name: `${name}_norm1` }), y);
  let ff = apply(tf.layers.dense({ units: t.feedForward, activation: 'relu', name: `${name}_ff1` }), y);
  ff = apply(drop('drop_ff'), ff);
  ff = apply(tf.layers.dense({ units: width, name: `${name}_ff2` }), ff);
  y = apply(tf.layers.add({ name: `${name}_add2` }), [y, apply(drop('drop2'), ff)]);
  return apply(tf.layers.layerNormalization({ axis: -1, epsilon: t.epsilon, name: `${name}_norm2` }), y);
}
