// `amft train --data-parallel auto|off|N`: when workers are used, and the CLI training on them.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import t from 'tap';
import { ZodError } from 'zod';
import { runTrain } from '../../src/cli/train.js';
import { DataParallelFlag, planDataParallel } from '../../src/train/parallel-plan.js';
import { tempDir, writeBrightDarkFolder } from '../data/fixtures.js';
import { tinyFactory } from './tiny-model.js';
import { cpuBackend } from '../cpu-backend.js';

await cpuBackend();

t.test('auto uses every core on wasm/cpu, the main thread elsewhere; N is checked', async (t) => {
  const o = { backend: 'wasm', batchSize: 64, canBuildInWorkers: true, cores: 2 };
  t.equal(planDataParallel('auto', o).workers, 2);
  t.equal(planDataParallel('auto', { ...o, cores: 1 }).workers, 0, 'one core: main thread');
  t.equal(planDataParallel('auto', { ...o, cores: 32 }).workers, 16, 'at most 16');
  t.equal(planDataParallel('auto', { ...o, cores: 8, batchSize: 4 }).workers, 4, 'at most the batch size');
  t.equal(planDataParallel('auto', { ...o, backend: 'tensorflow' }).workers, 0, 'tfjs-node uses every core itself');
  t.equal(planDataParallel('auto', { ...o, canBuildInWorkers: false }).workers, 0);
  t.equal(planDataParallel('off', o).workers, 0);
  t.equal(planDataParallel(3, o).workers, 3);
  t.throws(() => planDataParallel(2, { ...o, backend: 'tensorflow-gpu' }), /workers run the wasm or cpu backend, not tensorflow-gpu/);
  t.throws(() => planDataParallel(8, { ...o, batchSize: 4 }), /more workers than the batch size 4/);
  t.equal(DataParallelFlag.parse(undefined), 'auto');
  t.equal(DataParallelFlag.parse('4'), 4);
  t.throws(() => DataParallelFlag.parse('two'), ZodError);
});

t.test('amft train --data-parallel 2 trains on workers and says so', async (t) => {
  const dir = await tempDir(t);
  await writeBrightDarkFolder(join(dir, 'data'), 8);
  const lines: string[] = [];
  const deps = {
    createModel: tinyFactory,
    workerModel: { module: fileURLToPath(new URL('./tiny-model.ts', import.meta.url)), exportName: 'tinyModel', config: 1 },
    selectBackend: async () => ({ name: 'cpu' }),
    log: pino({ level: 'silent' }),
    out: { write: (s: string) => lines.push(s) },
  };
  const out = join(dir, 'run');
  await runTrain(['--data', join(dir, 'data'), '--out', out, '--epochs', '1', '--batch-size', '8', '--data-parallel', '2'], deps);
  t.match(lines.at(-1), /^finished at epoch 1\/1, step 2;/);
  const command = JSON.parse(await readFile(join(out, 'command.json'), 'utf8'));
  t.equal(command.dataParallelWorkers, 2);
  await t.rejects(
    runTrain(['--data', join(dir, 'data'), '--out', join(dir, 'other'), '--data-parallel', '2'], { ...deps, workerModel: undefined }),
    /--data-parallel 2: this model cannot be rebuilt in worker threads/,
  );
});
