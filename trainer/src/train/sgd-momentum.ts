import * as tf from '@tensorflow/tfjs';
import { ParamOptimizer, type Param } from './param-optimizer.js';

export interface SgdMomentumOptions {
  learningRate: number;
  weightDecay: number;
  momentum?: number;
}

/** SGD with (heavy-ball) momentum, buf = mu * buf + g; p -= lr * buf; decoupled weight decay. */
export class SgdMomentum extends ParamOptimizer {
  static className = 'SgdMomentum';
  readonly momentum: number;

  constructor(params: readonly Param[], o: SgdMomentumOptions) {
    super(params, o.learningRate, o.weightDecay);
    this.momentum = o.momentum ?? 0.9;
  }

  protected update(i: number, p: tf.Variable, g: tf.Tensor): void {
    const buf = this.slot('momentum', i);
    buf.assign(tf.add(tf.mul(buf, this.momentum), g));
    p.assign(tf.sub(p, tf.mul(buf, this.learningRate)));
  }

  getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, weightDecay: this.weightDecay, momentum: this.momentum };
  }
}
