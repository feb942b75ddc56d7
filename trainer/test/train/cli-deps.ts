/**
 * What tests that run `amft train`/`eval`/`export` in-process give them: the backend training
 * runs on (wasm with the project's gradient kernels when it loads, cpu otherwise; `amft export`
 * switches to cpu, so each command switches back), a silent log, and the output lines kept.
 */
import * as tf from '@tensorflow/tfjs';
import { pino } from 'pino';
import { selectBackend } from '../../src/backend/select-backend.js';
import { quietTensorflow } from '../../src/tfjs-quiet.js';

quietTensorflow(); // as the CLI does: no "install the node backend" banner

export const TRAINING_BACKEND = await selectBackend('wasm', pino({ level: 'silent' })).then(
  (b) => b.name,
  () => 'cpu',
);

/** Command dependencies: `lines` collects what the command writes to its output. */
export function cliDeps() {
  const lines: string[] = [];
  const select = async () => {
    await tf.setBackend(TRAINING_BACKEND);
    return { name: TRAINING_BACKEND };
  };
  return { lines, deps: { selectBackend: select, log: pino({ level: 'silent' }), out: { isTTY: false, write: (s: string) => lines.push(s) }, progress: { isTTY: false, write: () => undefined } } };
}
