import type * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './config.js';

export interface ModelSummary {
  variant: string;
  lstm: boolean;
  inputShape: number[];
  trainableParams: number;
  totalParams: number;
  /** Multiply-accumulates of one image through the per-frame network (convolutions, dense, attention, LSTM step). */
  macsPerImage: number;
  /** 2 x MACs. */
  flopsPerImage: number;
}

const count = (weights: tf.LayerVariable[]) => weights.reduce((n, w) => n + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);

type Shape = Array<number | null>;
const dims = (s: Shape) => s.map((d) => d ?? 1);

/** MACs of one layer for one image, from its config and output shape (batch/time dims excluded). */
function layerMacs(layer: tf.layers.Layer): number {
  const cls = layer.getClassName();
  const config = layer.getConfig();
  const outShape = layer.outputShape as Shape;
  const weights = layer.getWeights(false);
  switch (cls) {
    case 'Conv2D': {
      const [kh, kw, cin, cout] = weights[0].shape;
      const [, h, w] = dims(outShape);
      return h * w * kh * kw * cin * cout;
    }
    case 'Dense': {
      const [din, dout] = weights[0].shape;
      const out = dims(outShape);
      // Rank-3 outputs [N, L, d] apply the kernel per token; time dims of sequence models count once.
      const tokens = out.length === 3 ? out[1] : 1;
      return tokens * din * dout;
    }
    case 'AmftMultiHeadSelfAttention': {
      const [, l, d] = dims(outShape);
      return l * d * 3 * d + 2 * l * l * d + l * d * d;
    }
    case 'AmftSpatialAttention': {
      const [, h, w, c] = dims(outShape);
      return h * w * 9 * c;
    }
    case 'AmftChannelAttention': {
      const c = dims(outShape)[3];
      return 2 * c * (config.hidden as number);
    }
    case 'AmftAdaptiveScaleFusion':
      return (weights[0].shape[0] as number) * (weights[0].shape[1] as number);
    case 'AmftTorchLstm': {
      const [din, four] = weights[0].shape;
      return (din + four / 4) * four;
    }
    default:
      return 0;
  }
}

export function summarize(model: tf.LayersModel, cfg: ModelConfig): ModelSummary {
  const macs = model.layers.reduce((n, l) => n + layerMacs(l), 0);
  const { height, width, channels } = cfg.preprocessing;
  return {
    variant: cfg.variant,
    lstm: cfg.lstm,
    inputShape: cfg.lstm ? [-1, -1, height, width, channels] : [-1, height, width, channels],
    trainableParams: count(model.trainableWeights),
    totalParams: count(model.weights),
    macsPerImage: macs,
    flopsPerImage: 2 * macs,
  };
}
