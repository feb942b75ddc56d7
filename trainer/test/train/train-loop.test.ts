import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import t from 'tap';
import { disposeCheckpoint, loadCheckpoint } from '../../src/train/checkpoint.js';
import { TrainConfig, type TrainConfigInput } from '../../src/train/train-config.js';
import { trainModel, type TrainRun } from '../../src/train/train-loop.js';
import { tempDir } from '../data/fixtures.js';
import { brightDark, TINY_SPEC, tinyModel, weightsOf } from './tiny-model.js';
import { cpuBackend } from '../cpu-backend.js';

await cpuBackend();

const train = brightDark(64, 1);
const val = brightDark(32, 2);
// batches built on the main thread (workers: 0) except where a test says otherwise
const CONFIG: TrainConfigInput = { epochs: 3, batchSize: 16, lr: 0.02, warmupEpochs: 0.5, seed: 7, logEverySteps: 2, labelSmoothing: 0.1, workers: 0 };

function run(outDir: string, extra: Partial<TrainRun> = {}, config: TrainConfigInput = CONFIG): TrainRun {
  return {
    model: tinyModel(),
    preprocessing: TINY_SPEC,
    modelInfo: { variant: 'lite', lstm: false },
    train,
    val,
    config: TrainConfig.parse(config),
    outDir,
    ...extra,
  };
}

// the trajectory only: seconds and images/s differ between runs
const trajectory = (h: Array<Record<string, unknown>>) => h.map(({ seconds: _s, imagesPerSecond: _i, ...rest }) => rest);

t.test('a short run learns, writes checkpoints, logs and curves; a stopped run resumes exactly', async (t) => {
  const dir = await tempDir(t);
  const tensorsBefore = tf.memory().numTensors;
  const full = run(join(dir, 'full'), {}, { ...CONFIG, workers: 2 });
  const a = await trainModel(full);
  const h = a.state.history;
  t.equal(h.length, 3);
  t.equal(a.state.globalStep, 12, '64 images / batch 16 = 4 steps per epoch');
  t.ok(h[2].trainLoss < h[0].trainLoss, `training loss falls: ${h.map((e) => e.trainLoss.toFixed(3)).join(' -> ')}`);
  t.ok(h[2].valAccuracy! >= 0.9, `bright vs dark is learnt: val accuracy ${h[2].valAccuracy}`);
  t.equal(a.state.best!.metric, 'valAccuracy');

  for (const f of ['checkpoints/last/model.json', 'checkpoints/last/weights.bin', 'checkpoints/last/optimizer.bin', 'checkpoints/last/state.json', 'checkpoints/best/model.json', 'checkpoints/best/state.json', 'val-report/report.json', 'val-report/report.md', 'val-report/confusion.png']) {
    t.ok(existsSync(join(full.outDir, f)), f);
  }
  t.notOk(existsSync(join(full.outDir, 'checkpoints/best/optimizer.bin')), 'best has no optimizer state');
  const lines = (await readFile(join(full.outDir, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  t.same(lines.filter((l) => l.type === 'epoch').map((l) => l.epoch), [1, 2, 3]);
  t.same(lines.filter((l) => l.type === 'step').map((l) => l.step), [2, 4, 6, 8, 10, 12]);
  const png = await sharp(join(full.outDir, 'curves.png')).metadata();
  t.same([png.format, png.width, png.height], ['png', 960, 360]);
  const finalWeights = weightsOf(full.model);
  full.model.dispose();
  t.equal(tf.memory().numTensors - tensorsBefore, 0, "nothing leaked by a whole run");

  // stopped by a signal in the middle of epoch 2 (after step 6): a checkpoint is saved there
  const stopper = new AbortController();
  const first = run(join(dir, 'stopped'), { signal: stopper.signal, onStep: (s) => s.globalStep === 6 && stopper.abort() });
  const b = await trainModel(first);
  t.ok(b.stopped);
  t.same([b.state.epoch, b.state.batch, b.state.globalStep], [1, 2, 6]);
  first.model.dispose();
  const resumed = run(join(dir, 'stopped'), { resume: true });
  const c = await trainModel(resumed);
  t.notOk(c.stopped);
  t.same(weightsOf(resumed.model), finalWeights, 'resumed weights (main-thread batches) equal the uninterrupted run (worker batches) bit for bit');
  t.same(trajectory(c.state.history as never), trajectory(h as never));
  const log = (await readFile(join(dir, 'stopped', 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  t.same(log.filter((l) => l.type === 'step').map((l) => l.step), [2, 4, 6, 8, 10, 12], 'no step logged twice');
  resumed.model.dispose();
});

t.test('a crash falls back to the last saved checkpoint (mid-epoch with --save-every) and resumes exactly', async (t) => {
  const dir = await tempDir(t);
  const config = { ...CONFIG, saveEverySteps: 3 };
  const full = run(join(dir, 'full'), {}, config);
  await trainModel(full);
  const crashing = run(join(dir, 'crash'), {
    onStep: (s) => {
      if (s.globalStep === 10) throw new Error('simulated crash');
    },
  }, config);
  await t.rejects(trainModel(crashing), /simulated crash/);
  const saved = JSON.parse(await readFile(join(dir, 'crash', 'checkpoints', 'last', 'state.json'), 'utf8'));
  t.same([saved.epoch, saved.batch, saved.globalStep], [2, 1, 9], 'the step-9 checkpoint (epoch 3, batch 1) is the last one');
  const resumed = run(join(dir, 'crash'), { resume: true }, config);
  await trainModel(resumed);
  t.same(weightsOf(resumed.model), weightsOf(full.model));
  for (const m of [full.model, crashing.model, resumed.model]) m.dispose();

  const other = run(join(dir, 'crash'), { resume: true }, { ...config, lr: 0.5 });
  await t.rejects(trainModel(other), /cannot resume .*lr was 0.02, now 0.5/);
  other.model.dispose();
  const fresh = run(join(dir, 'crash'), {}, config);
  await t.rejects(trainModel(fresh), /already holds a run/, 'a new run does not overwrite an old one');
  fresh.model.dispose();
});

t.test('--keep-epochs keeps the weights of the last n epochs; it may change on resume', async (t) => {
  const dir = await tempDir(t);
  const kept = run(join(dir, 'kept'), {}, { ...CONFIG, keepEpochs: 2 });
  await trainModel(kept);
  const checkpoints = join(dir, 'kept', 'checkpoints');
  t.same((await readdir(checkpoints)).sort(), ['best', 'epoch-2', 'epoch-3', 'last'], 'epoch-1 was deleted when epoch 3 was kept');
  for (const n of [2, 3]) {
    const c = await loadCheckpoint(join(checkpoints, `epoch-${n}`));
    t.equal(c.state.epoch, n, `epoch-${n} holds the end of epoch ${n}`);
    t.equal(c.optimizer, undefined, `epoch-${n}: weights only`);
    if (n === 3) t.same(c.weights.map((w) => w.tensor.dataSync()), weightsOf(kept.model), 'epoch-3 = the final weights');
    disposeCheckpoint(c);
  }
  const epoch2 = await loadCheckpoint(join(checkpoints, 'epoch-2'));
  const last = await loadCheckpoint(join(checkpoints, 'last'));
  t.notSame(epoch2.weights.map((w) => w.tensor.dataSync()), last.weights.map((w) => w.tensor.dataSync()), 'epoch-2 differs from the last');
  disposeCheckpoint(epoch2);
  disposeCheckpoint(last);

  // a run started without it, stopped in epoch 2 and resumed with it: epochs 2 and 3 are kept
  const stopper = new AbortController();
  const first = run(join(dir, 'later'), { signal: stopper.signal, onStep: (s) => s.globalStep === 6 && stopper.abort() });
  await trainModel(first);
  const resumed = run(join(dir, 'later'), { resume: true }, { ...CONFIG, keepEpochs: 5 });
  await trainModel(resumed);
  t.same((await readdir(join(dir, 'later', 'checkpoints'))).sort(), ['best', 'epoch-2', 'epoch-3', 'last']);
  t.same(weightsOf(resumed.model), weightsOf(kept.model), 'the same run');
  for (const m of [kept.model, first.model, resumed.model]) m.dispose();
});

t.test('balanced sampling, SGD, no validation set: best by training accuracy', async (t) => {
  const dir = await tempDir(t);
  const r = run(dir, { val: undefined }, { ...CONFIG, epochs: 2, optimizer: 'sgd', lr: 0.1, balance: 'sampler', augment: false });
  const res = await trainModel(r);
  t.equal(res.state.best!.metric, 'trainAccuracy');
  t.equal(res.state.history[0].valAccuracy, undefined);
  t.equal(res.state.config.weightDecay, 5e-4, 'the SGD default weight decay');
  r.model.dispose();
});
