// Issue #18 item 4 in whole runs: the recipe options resume exactly; a run recorded before they
// existed resumes as before; the data-parallel path takes the same loss; a CPU budget stops the
// run with its schedule at the end; trunk width/depth overrides.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as tf from '@tensorflow/tfjs';
import { pino } from 'pino';
import t from 'tap';
import { runTrain } from '../../src/cli/train.js';
import { amftModelFactory } from '../../src/train/model-factory.js';
import { configChanges } from '../../src/train/resume.js';
import { TrainConfig, type TrainConfigInput } from '../../src/train/train-config.js';
import { trainModel, type TrainRun } from '../../src/train/train-loop.js';
import type { BudgetResult } from '../../src/train/cpu-budget.js';
import { tempDir } from '../data/fixtures.js';
import { brightDark, TINY_SPEC, tinyModel, weightsOf } from './tiny-model.js';
import { cpuBackend } from '../cpu-backend.js';

await cpuBackend();

const train = brightDark(64, 1);
const val = brightDark(16, 2);
const BASE: TrainConfigInput = { epochs: 2, batchSize: 16, lr: 0.02, warmupEpochs: 0.5, seed: 7, logEverySteps: 2, balance: 'sqrt-weighted', workers: 0 };
const RECIPE: TrainConfigInput = { ...BASE, randomErasing: 0.5, mixup: 0.4, cutmix: 1, logitAdjust: 1 };
/** The keys of a config recorded before the recipe options existed (the default run's, training/default). */
const OLD_KEYS = ['variant', 'lstm', 'epochs', 'batchSize', 'lr', 'minLr', 'warmupEpochs', 'optimizer', 'weightDecay', 'momentum', 'labelSmoothing', 'balance', 'augment', 'seed', 'saveEverySteps', 'logEverySteps', 'evalBatchSize', 'workers'];
/**
 * sha256 of the final weights of the BASE run (tiny model, cpu backend), computed with the trainer
 * of main at 5b3e079, before the recipe options existed: with them off, the code takes the very
 * same steps.
 */
const BASE_GOLDEN = 'b6062c5e72af6139f60716c0a27665722ca406599ab008e782cabd84cd8bcbec';
const DP = { workers: 2, model: { module: fileURLToPath(new URL('./tiny-model.ts', import.meta.url)), exportName: 'tinyModel', config: 1 }, backend: 'cpu' as const };
const DEFAULT_RUN_STATE = fileURLToPath(new URL('../../../training/default/checkpoints/last/state.json', import.meta.url));

function run(outDir: string, config: TrainConfigInput, extra: Partial<TrainRun> = {}): TrainRun {
  return { model: tinyModel(), preprocessing: TINY_SPEC, modelInfo: { variant: 'lite', lstm: false }, train, val, config: TrainConfig.parse(config), outDir, ...extra };
}

const digest = (ws: Float32Array[]) => {
  const h = createHash('sha256');
  for (const w of ws) h.update(Buffer.from(w.buffer, w.byteOffset, w.byteLength));
  return h.digest('hex');
};

async function finalWeights(r: TrainRun): Promise<Float32Array[]> {
  await trainModel(r);
  const w = weightsOf(r.model);
  r.model.dispose();
  return w;
}

/** Stops after step 3 (mid-epoch 1), lets `edit` change the saved state, then resumes to the end. */
async function stopEditResume(dir: string, config: TrainConfigInput, edit: (state: Record<string, unknown>) => void = () => {}, resumeExtra: Partial<TrainRun> = {}): Promise<Float32Array[]> {
  const stopper = new AbortController();
  const a = run(dir, config, { signal: stopper.signal, onStep: (s) => s.globalStep === 3 && stopper.abort() });
  await trainModel(a);
  a.model.dispose();
  const path = join(dir, 'checkpoints', 'last', 'state.json');
  const state = JSON.parse(await readFile(path, 'utf8'));
  edit(state);
  await writeFile(path, JSON.stringify(state));
  return finalWeights(run(dir, config, { resume: true, ...resumeExtra }));
}

t.test('a run recorded before the recipe options existed resumes, and takes the steps it took before', async (t) => {
  const dir = await tempDir(t);
  const full = await finalWeights(run(join(dir, 'full'), BASE));
  t.equal(digest(full), BASE_GOLDEN, 'with the options off, the same weights as the trainer before them, bit for bit');
  const resumed = await stopEditResume(join(dir, 'old'), BASE, (state) => {
    const config = state.config as Record<string, unknown>;
    for (const k of Object.keys(config)) if (!OLD_KEYS.includes(k)) delete config[k];
    t.same(Object.keys(config).sort(), [...OLD_KEYS].sort(), 'the checkpoint now records the old keys only');
  });
  t.equal(digest(resumed), BASE_GOLDEN, 'resumed from the old config: the uninterrupted run, bit for bit');
  const changed = configChanges({ ...Object.fromEntries(OLD_KEYS.map((k) => [k, TrainConfig.parse(BASE)[k as keyof TrainConfig]])) }, TrainConfig.parse({ ...BASE, mixup: 0.2 }));
  t.same(changed, ['mixup was 0, now 0.2'], 'a missing key counts as its default: turning an option on is still refused');
  t.same(configChanges(TrainConfig.parse({ ...BASE, cpuBudgetMin: 1 }), TrainConfig.parse(BASE)), ['cpuBudgetMin was 1, now undefined'], 'and so is dropping one');
});

t.test("the default run's recorded config is accepted by this trainer with the same flags", { skip: existsSync(DEFAULT_RUN_STATE) ? false : 'no training/default checkpoint' }, async (t) => {
  const recorded = JSON.parse(await readFile(DEFAULT_RUN_STATE, 'utf8')).config as Record<string, unknown>;
  const flags = Object.fromEntries(Object.entries(recorded).filter(([k]) => OLD_KEYS.includes(k)));
  const now = TrainConfig.parse(flags);
  t.same(configChanges(recorded, now), [], `recorded keys: ${Object.keys(recorded).join(', ')}`);
  t.same([now.randomErasing, now.mixup, now.cutmix, now.logitAdjust, now.widths, now.blocks, now.cpuBudgetMin], [0, 0, 0, 0, undefined, undefined, undefined], 'the new options are off');
});

t.test('with random erasing, mixup, cutmix and logit adjustment on, a stopped run resumes bit-exactly (batches on workers or not)', async (t) => {
  const dir = await tempDir(t);
  const full = await finalWeights(run(join(dir, 'full'), { ...RECIPE, workers: 2 }));
  t.not(digest(full), BASE_GOLDEN, 'the options change the run');
  t.same(await stopEditResume(join(dir, 'stopped'), RECIPE), full, 'stopped after step 3 and resumed: the same weights');
  const refused = run(join(dir, 'stopped'), { ...RECIPE, mixup: 0.2 }, { resume: true });
  await t.rejects(trainModel(refused), /cannot resume .*mixup was 0.4, now 0.2/);
  refused.model.dispose();
});

t.test('the data-parallel path takes the same soft-target, logit-adjusted steps', async (t) => {
  const dir = await tempDir(t);
  const single = await finalWeights(run(join(dir, 'single'), RECIPE));
  const dp = await finalWeights(run(join(dir, 'dp'), RECIPE, { dataParallel: DP }));
  let max = 0;
  dp.forEach((w, k) => w.forEach((v, j) => (max = Math.max(max, Math.abs(v - single[k][j])))));
  t.ok(max <= 1e-5, `max |dw| ${max.toExponential(2)} between the paths (float summation order only)`);
});

t.test('a CPU budget: the run stops when it is spent, the schedule reaches its end, val is evaluated', async (t) => {
  const dir = await tempDir(t);
  const lrs: number[] = [];
  const budget = 0.03; // minutes
  const config = { ...BASE, epochs: 10_000, cpuBudgetMin: budget, budgetWarmup: 0.1, minLr: 0.001 };
  const r = run(dir, config, { train: brightDark(256, 1), onStep: (s) => lrs.push(s.lr) });
  const res = await trainModel(r);
  r.model.dispose();
  t.ok(res.budgetSpent, 'ended by the budget');
  t.notOk(res.stopped);
  const steps = res.state.globalStep;
  t.ok(steps > 20 && steps < 10_000 * 16, `${steps} steps, far fewer than 10,000 epochs`);
  t.ok(lrs[0] < 0.1 * 0.02, `warm-up starts near 0 (${lrs[0]})`);
  const peak = Math.max(...lrs);
  t.ok(peak > 0.95 * 0.02, `reaches the peak (${peak})`);
  const last = lrs[lrs.length - 1];
  t.ok(last < 0.001 + 0.05 * (0.02 - 0.001), `the last step's lr ${last} is at the end of the cosine`);
  const result = JSON.parse(await readFile(join(dir, 'budget.json'), 'utf8')) as BudgetResult;
  t.ok(result.cpuMinutes >= budget && result.cpuMinutes < budget * 1.5, `spent ${result.cpuMinutes.toFixed(4)} of ${budget} CPU minutes`);
  t.equal(result.steps, steps);
  t.equal(result.imagesSeen, steps * 16);
  t.ok(result.val && result.val.count === 16 && result.val.accuracy >= 0 && result.val.accuracy <= 1, 'evaluated on val');
  t.same(Object.keys(result.val!.recall), ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral']);
  const saved = JSON.parse(await readFile(join(dir, 'checkpoints', 'last', 'state.json'), 'utf8'));
  t.ok(saved.cpuSeconds >= budget * 60, 'the checkpoint records the CPU time spent');
  const again = run(dir, config, { resume: true, train: brightDark(256, 1) });
  const more = await trainModel(again);
  again.model.dispose();
  t.ok(more.budgetSpent);
  t.equal(more.state.globalStep, steps, 'resuming a spent budget trains no further');
});

const trainable = (m: tf.LayersModel) => m.trainableWeights.reduce((a, w) => a + (w.shape as number[]).reduce((x, y) => x * y, 1), 0);

t.test('trunk width and depth overrides: parameter counts follow; a list of the wrong length is refused', async (t) => {
  const count = (trunk?: { widths?: number[]; blocks?: number[] }) => {
    const { model, config } = amftModelFactory({ variant: 'lite', lstm: false, trunk });
    const n = trainable(model);
    model.dispose();
    return { n, config: config as { trunk: { widths: number[]; blocks: number[] } } };
  };
  const base = count();
  t.equal(base.n, 1_080_875, 'lite as documented');
  const deeper = count({ blocks: [2, 2, 2, 2] });
  // one more basic block per stage at width w: two 3x3 w->w convolutions (no bias) and two batch norms (gamma, beta)
  const extra = [32, 64, 128, 192].reduce((a, w) => a + 2 * 9 * w * w + 2 * 2 * w, 0);
  t.equal(deeper.n - base.n, extra, `blocks 2,2,2,2 adds ${extra} parameters`);
  t.same(deeper.config.trunk.blocks, [2, 2, 2, 2], 'the config that checkpoints save says so');
  const wider = count({ widths: [48, 96, 192, 256] });
  t.ok(wider.n > 1.5 * base.n, `widths 48,96,192,256: ${wider.n} parameters`);
  t.same(count({ widths: [32, 64, 128, 192] }).n, base.n, 'the default widths given explicitly: the same model');

  t.throws(() => TrainConfig.parse({ widths: [32, 64, 128] }), /the lite trunk has 4 stages \(widths 32,64,128,192\): give 4 values, not 3/);
  t.throws(() => TrainConfig.parse({ variant: 'seed', blocks: [3, 4, 6] }), /the seed trunk has 4 stages \(blocks 3,4,6,3\)/);
  t.throws(() => TrainConfig.parse({ variant: 'amft', widths: [256, 512, 1024, 2046] }), /multiple of 4/);
  t.throws(() => TrainConfig.parse({ augment: false, mixup: 0.2 }), /cannot be combined with --no-augment/);
  const deps = { selectBackend: async () => ({ name: 'cpu' }), log: pino({ level: 'silent' }), out: { write: () => true } };
  const err = (await runTrain(['--data', 'nowhere', '--out', 'nowhere', '--widths', '32,64,128'], deps).catch((e: unknown) => e)) as { issues?: Array<{ path: unknown[]; message: string }> };
  t.same(err.issues?.map((i) => i.path), [['widths']], `the CLI names --widths: ${err.issues?.[0]?.message}`);
  await t.rejects(runTrain(['--data', 'nowhere', '--out', 'nowhere', '--blocks', '1,x,1,1'], deps), /comma-separated list/);
});
