import * as tf from '@tensorflow/tfjs';
import { ParamOptimizer, type Param } from './param-optimizer.js';

export interface AdamWOptions {
  learningRate: number;
  weightDecay: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/** Adam with decoupled weight decay (Loshchilov & Hutter), bias-corrected moments. */
export class AdamW extends ParamOptimizer {
  static className = 'AdamW';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;

  constructor(params: readonly Param[], o: AdamWOptions) {
    super(params, o.learningRate, o.weightDecay);
    this.beta1 = o.beta1 ?? 0.9;
    this.beta2 = o.beta2 ?? 0.999;
    this.epsilon = o.epsilon ?? 1e-8;
  }

  protected update(i: number, p: tf.Variable, g: tf.Tensor, step: number): void {
    const m = this.slot('m', i);
    const v = this.slot('v', i);
    m.assign(tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1)));
    v.assign(tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2)));
    const mHat = tf.div(m, 1 - this.beta1 ** step);
    const vHat = tf.div(v, 1 - this.beta2 ** step);
    p.assign(tf.sub(p, tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), this.epsilon)), this.learningRate)));
  }

  getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, weightDecay: this.weightDecay, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}
