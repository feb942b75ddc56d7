// Issue #18 item 8: a batch too big for the 4 GiB wasm heap is refused up front with the largest
// batch that fits and the GPU path, and an allocation that fails mid-step says so instead of
// "memory access out of bounds". Nothing here trains the seed variant: the refusal comes first.
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { pino } from 'pino';
import t from 'tap';
import { selectBackend } from '../../src/backend/select-backend.js';
import { largestBatch, trainingBytes, WASM_HEAP_BYTES } from '../../src/backend/wasm-memory.js';
import { runTrain } from '../../src/cli/train.js';
import { buildModel, resolveModelConfig } from '../../src/model/index.js';
import { tempDir, writeBrightDarkFolder } from '../data/fixtures.js';
import { cpuBackend } from '../cpu-backend.js';

const log = pino({ level: 'silent' });

t.test('an allocation past the wasm heap limit throws a clear error', async (t) => {
  await selectBackend('wasm', log);
  // just over the heap ceiling, under 2^32: the heap cannot grow to it, and nothing is touched
  const floats = Math.floor((WASM_HEAP_BYTES + 32768) / 4);
  t.throws(() => tf.zeros([floats]), /wasm heap is full \(4 GiB.*smaller --batch-size.*--data-parallel.*tfjs-node-gpu/);
  const ok = tf.ones([4]);
  t.same(Array.from(ok.dataSync()), [1, 1, 1, 1], 'the backend still works afterwards');
  ok.dispose();
  await cpuBackend();
});

t.test('the estimate: lite trains at any usual batch in one heap', async (t) => {
  await cpuBackend();
  const lite = buildModel(resolveModelConfig('lite'));
  t.ok(trainingBytes(lite, 64) < 2 ** 30, `lite, batch 64: ${(trainingBytes(lite, 64) / 2 ** 20).toFixed(0)} MiB (measured 913)`);
  t.ok(largestBatch(lite) >= 256, `lite: up to ${largestBatch(lite)} per heap`);
  lite.dispose();
});

t.test('amft train --variant seed refuses a batch that cannot fit, before loading data', async (t) => {
  const dir = await tempDir(t);
  await writeBrightDarkFolder(join(dir, 'data'), 7);
  const deps = { selectBackend: async () => ({ name: 'wasm' }), log, out: { write: () => true } };
  const argv = (...extra: string[]) => ['--variant', 'seed', '--max-samples', '14', '--epochs', '1', '--data', join(dir, 'data'), '--out', join(dir, 'run'), ...extra];
  await t.rejects(
    runTrain(argv('--batch-size', '7', '--data-parallel', 'off'), deps),
    /--batch-size 7 does not fit in the 4 GiB wasm heap: a step of 7 images of this model needs about \d+\.\d GiB\. The largest batch that fits is 4 \(--batch-size 4\); or train on a GPU with @tensorflow\/tfjs-node-gpu/,
  );
  await t.rejects(runTrain(argv('--data-parallel', '2'), deps), /--batch-size 64 does not fit in 2 worker heaps of 4 GiB.*The largest batch that fits is 8 /, 'the default batch on two workers');
});
