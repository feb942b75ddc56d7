// The TensorFlow.js cpu backend for a test, without its "install the node backend" banner (the
// CLI silences it the same way, trainer/src/tfjs-quiet.ts).
import * as tf from '@tensorflow/tfjs';
import { quietTensorflow } from '../src/tfjs-quiet.js';

export function cpuBackend(): Promise<boolean> {
  quietTensorflow();
  return tf.setBackend('cpu');
}
