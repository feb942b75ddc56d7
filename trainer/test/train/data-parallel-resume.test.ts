// `amft train`'s two step paths (train/step-engine.ts): a run stopped on one resumes on the other,
// and the data-parallel path resumes itself bit for bit. Workers run the cpu backend, as the main
// thread does here, so the paths differ only in float summation order (shard sums).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import t, { type Test } from 'tap';
import { TrainConfig, type TrainConfigInput } from '../../src/train/train-config.js';
import { trainModel, type TrainRun } from '../../src/train/train-loop.js';
import { tempDir } from '../data/fixtures.js';
import { brightDark, TINY_SPEC, tinyModel, weightsOf } from './tiny-model.js';
import { cpuBackend } from '../cpu-backend.js';

await cpuBackend();

const train = brightDark(64, 1);
const val = brightDark(16, 2);
// weighted loss (sqrt class weights), label smoothing, AdamW with decay: everything the step does
const CONFIG: TrainConfigInput = { epochs: 2, batchSize: 16, lr: 0.02, warmupEpochs: 0.5, seed: 7, logEverySteps: 2, balance: 'sqrt-weighted', workers: 0 };
const DP = { workers: 2, model: { module: fileURLToPath(new URL('./tiny-model.ts', import.meta.url)), exportName: 'tinyModel', config: 1 }, backend: 'cpu' as const };
/** Largest weight difference allowed between the paths after 8 steps (float32 summation order). */
const CROSS_PATH_TOLERANCE = 1e-5;

function run(outDir: string, extra: Partial<TrainRun> = {}): TrainRun {
  return { model: tinyModel(), preprocessing: TINY_SPEC, modelInfo: { variant: 'lite', lstm: false }, train, val, config: TrainConfig.parse(CONFIG), outDir, ...extra };
}

/** Trains to the end, stopping after step 3 (mid-epoch 1) and resuming with `second`. */
async function stopAndResume(t: Test, dir: string, first: Partial<TrainRun>, second: Partial<TrainRun>): Promise<Float32Array[]> {
  const stopper = new AbortController();
  const a = run(dir, { ...first, signal: stopper.signal, onStep: (s) => s.globalStep === 3 && stopper.abort() });
  t.ok((await trainModel(a)).stopped, 'stopped after step 3');
  a.model.dispose();
  const b = run(dir, { ...second, resume: true });
  const r = await trainModel(b);
  t.equal(r.state.globalStep, 8);
  const w = weightsOf(b.model);
  b.model.dispose();
  return w;
}

function maxDiff(a: Float32Array[], b: Float32Array[]): number {
  let m = 0;
  a.forEach((w, k) => w.forEach((v, j) => (m = Math.max(m, Math.abs(v - b[k][j])))));
  return m;
}

const single = async (dir: string) => {
  const r = run(dir);
  await trainModel(r);
  const w = weightsOf(r.model);
  r.model.dispose();
  return w;
};

t.test('data-parallel training resumes bit-exactly, and either path resumes the other', async (t) => {
  const dir = await tempDir(t);
  const tensors = tf.memory().numTensors;
  const dp = run(join(dir, 'dp'), { dataParallel: DP });
  const dpResult = await trainModel(dp);
  const dpWeights = weightsOf(dp.model);
  dp.model.dispose();
  const singleWeights = await single(join(dir, 'single'));
  t.equal(tf.memory().numTensors, tensors, 'no tensors leaked on the main thread');
  const pathDiff = maxDiff(dpWeights, singleWeights);
  t.ok(pathDiff <= CROSS_PATH_TOLERANCE, `the two paths take the same steps (max |dw| ${pathDiff.toExponential(2)} <= ${CROSS_PATH_TOLERANCE})`);

  t.same(await stopAndResume(t, join(dir, 'dp-dp'), { dataParallel: DP }, { dataParallel: DP }), dpWeights, 'data-parallel stopped and resumed: bit-exact');
  const dpThenSingle = await stopAndResume(t, join(dir, 'dp-single'), { dataParallel: DP }, {});
  const singleThenDp = await stopAndResume(t, join(dir, 'single-dp'), {}, { dataParallel: DP });
  t.ok(maxDiff(dpThenSingle, dpWeights) <= CROSS_PATH_TOLERANCE, `data-parallel, then single: max |dw| ${maxDiff(dpThenSingle, dpWeights).toExponential(2)}`);
  t.ok(maxDiff(singleThenDp, singleWeights) <= CROSS_PATH_TOLERANCE, `single, then data-parallel: max |dw| ${maxDiff(singleThenDp, singleWeights).toExponential(2)}`);

  const state = JSON.parse(await readFile(join(dir, 'dp', 'checkpoints', 'last', 'state.json'), 'utf8'));
  t.same([state.epoch, state.batch, state.globalStep], [2, 0, 8]);
  t.ok(dpResult.state.history[1].trainLoss < dpResult.state.history[0].trainLoss, 'data-parallel training learns');
});
