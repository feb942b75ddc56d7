// Issue #12 item 9: one --seed gives one run (initial weights and dropout masks), and one run
// directory takes one training process.
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { pino } from 'pino';
import t from 'tap';
import { selectBackend } from '../../src/backend/select-backend.js';
import { runTrain } from '../../src/cli/train.js';
import { amftModelFactory } from '../../src/train/model-factory.js';
import { createOptimizer } from '../../src/train/create-optimizer.js';
import { modelParams } from '../../src/train/param-optimizer.js';
import { acquireRunLock, LOCK_FILE } from '../../src/train/run-lock.js';
import { TrainConfig } from '../../src/train/train-config.js';
import { trainStep } from '../../src/train/train-step.js';
import { tempDir, writeBrightDarkFolder } from '../data/fixtures.js';
import { tinyFactory, weightsOf } from './tiny-model.js';

await selectBackend('wasm', pino({ level: 'silent' }));

function initialWeights(seed: number | undefined): Float32Array[] {
  const { model } = amftModelFactory({ variant: 'lite', lstm: false, seed });
  const weights = weightsOf(model);
  model.dispose();
  return weights;
}

/** A fresh lite model built with `seed` and the loss of its first training step. */
function firstStep(seed: number, dropoutSeed = seed): { weights: Float32Array[]; loss: number } {
  const { model } = amftModelFactory({ variant: 'lite', lstm: false, seed });
  const weights = weightsOf(model);
  const optimizer = createOptimizer(TrainConfig.parse({}), modelParams(model));
  const x = tf.tidy(() => tf.sin(tf.range(0, 4 * 48 * 48).reshape([4, 48, 48, 1])));
  const y = tf.tensor1d([0, 3, 5, 6], 'int32');
  const { loss } = trainStep(model, optimizer, x, y, null, { labelSmoothing: 0.1, dropout: { seed: dropoutSeed, step: 0 } });
  tf.dispose([x, y]);
  optimizer.dispose();
  model.dispose();
  return { weights, loss };
}

/** Whether two weight lists are equal element for element (tap's deep compare is slow on 1M floats). */
const sameWeights = (a: Float32Array[], b: Float32Array[]) => a.length === b.length && a.every((w, k) => w.length === b[k].length && w.every((v, j) => Object.is(v, b[k][j])));

t.test('one seed: identical initial weights and first-step loss (lite, dropout on)', async (t) => {
  const a = firstStep(42);
  const b = firstStep(42);
  t.ok(sameWeights(b.weights, a.weights), 'two builds with seed 42 have the same weights');
  t.equal(b.loss, a.loss, `the same first-step loss (${a.loss})`);
  t.notOk(sameWeights(initialWeights(43), a.weights), 'another seed, other weights');
  const otherMasks = firstStep(42, 1).loss;
  t.not(otherMasks, a.loss, `the dropout masks follow the seed too (${otherMasks} with other masks)`);
  // what the seeding fixes: unseeded builds draw their initialisers from Math.random
  t.notOk(sameWeights(initialWeights(undefined), initialWeights(undefined)), 'unseeded builds differ');
});

const lockHolder = (dir: string) => `
  const { acquireRunLock } = await import(${JSON.stringify(fileURLToPath(new URL('../../src/train/run-lock.ts', import.meta.url)))});
  await acquireRunLock(${JSON.stringify(dir)});
  process.stdout.write('locked\\n');
  setInterval(() => {}, 1000);`;

t.test('a run directory takes one process: a live holder refuses, a dead one is taken over', async (t) => {
  const dir = await tempDir(t);
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', lockHolder(dir)], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => child.kill('SIGKILL'));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('locked') && resolve());
    child.once('exit', (code) => reject(new Error(`lock holder exited (${code})`)));
  });
  const held = JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8'));
  t.equal(held.pid, child.pid, 'the lock file names its process');
  await t.rejects(acquireRunLock(dir), new RegExp(`in use by process ${child.pid} .*one run directory takes one training process`));

  // amft train --resume on it: refused before it writes anything there
  await writeBrightDarkFolder(join(dir, 'data'), 4);
  const lines: string[] = [];
  const deps = { createModel: tinyFactory, selectBackend: async () => ({ name: 'cpu' }), log: pino({ level: 'silent' }), out: { write: (s: string) => lines.push(s) } };
  await t.rejects(runTrain(['--data', join(dir, 'data'), '--out', dir, '--resume', '--epochs', '1'], deps), new RegExp(`in use by process ${child.pid}`));
  await t.rejects(readFile(join(dir, 'command-resume.json')), { code: 'ENOENT' }, 'nothing written by the refused process');

  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  const lock = await acquireRunLock(dir);
  t.equal(JSON.parse(await readFile(lock.path, 'utf8')).pid, process.pid, 'the stale lock of a killed process is taken over');
  await t.rejects(acquireRunLock(dir), /in use by process/, 'and held against a second taker');
  await lock.release();
  await writeFile(join(dir, LOCK_FILE), '{"pid":'); // torn write
  await (await acquireRunLock(dir)).release();
  t.pass('an unreadable lock is replaced');
});
