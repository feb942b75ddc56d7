/**
 * TensorFlow.js' console notices off. Without @tensorflow/tfjs-node its cpu backend greets every
 * process with "Hi, looks like you are running TensorFlow.js in Node.js..." (once per backend
 * instance, through tfjs-core's `log.warn`). In tfjs 4.x the `PROD` flag gates exactly those
 * notices (`log.warn`/`log.info` and the flag-override messages) and nothing else; which backend
 * is in use is logged by select-backend.ts instead.
 */
import * as tf from '@tensorflow/tfjs';

export function quietTensorflow(): void {
  tf.env().set('PROD', true);
}
