/**
 * Fine-tuning an exported model end to end: `amft export` writes tfjs/ beside the ONNX;
 * `amft train --init <export> --freeze-trunk` trains 1 epoch on a small labelled folder made here
 * (3 images per class) and changes the head only; the result exports and runs in onnxruntime with
 * the logits of the trained TensorFlow.js model. A mismatched variant, LSTM head, label set or
 * input size is refused before any data is read; `--init` also takes a checkpoint directory.
 */
import t from 'tap';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { LABELS } from '@amft/shared';
import { cliDeps } from './cli-deps.js';
import { runExport } from '../../src/cli/export.js';
import { runTrain } from '../../src/cli/train.js';
import { exportCheckpoint } from '../../src/export/index.js';
import { writeTfjsWeights } from '../../src/export/write-tfjs.js';
import { buildModel } from '../../src/model/index.js';
import { disposeCheckpoint, loadCheckpoint, restoreModelWeights } from '../../src/train/checkpoint.js';
import { isTrunkLayer } from '../../src/train/init-from.js';
import { readModelWeights } from '../../src/train/fs-model-io.js';
import { tempDir, writeImage } from '../data/fixtures.js';
import { randomInput, smallConfig } from '../model/helpers.js';
import { maxAbsDiff, openSession, randomizeWeights, runSession } from '../export/helpers.js';

/** Max |Δlogits| between the fine-tuned tfjs model and its ONNX export. */
const EXPORT_TOLERANCE = 1e-4;

const deps = cliDeps;

/** weight name -> values, of a saved model directory (checkpoint or tfjs/). */
async function weightsByName(dir: string): Promise<Map<string, Float32Array>> {
  const ws = await readModelWeights(dir);
  const map = new Map(ws.map((w) => [w.name, w.tensor.dataSync() as Float32Array]));
  for (const w of ws) w.tensor.dispose();
  return map;
}

const layerOf = (weightName: string) => weightName.split('/')[0];

t.test('export -> train --init --freeze-trunk (1 epoch) -> export -> onnxruntime', async (t) => {
  const dir = await tempDir(t, 'amft-init-');
  const cfg = smallConfig('lite', false); // the real lite architecture, 48x48 gray
  const base = buildModel(cfg);
  randomizeWeights(base, 31, randomInput(cfg, 2, undefined, 31));
  const shipped = join(dir, 'shipped');
  const written = await exportCheckpoint(base, cfg, shipped, { createdAt: '2025-01-01T00:00:00.000Z' });
  base.dispose();
  t.equal(written.tfjsDir, join(shipped, 'tfjs'));

  // my-faces/: 3 labelled 48x48 images per class, written here
  const faces = join(dir, 'my-faces');
  await Promise.all(LABELS.flatMap((label, c) => [0, 1, 2].map((i) => writeImage(join(faces, label, `${i}.png`), 15 + 32 * c + 5 * i, { size: 48 }))));

  const run = join(dir, 'run');
  const tr = deps();
  await runTrain(['--init', shipped, '--freeze-trunk', '--data', faces, '--out', run, '--epochs', '1', '--batch-size', '7', '--lr', '0.01', '--workers', '0', '--warmup-epochs', '0'], tr.deps);
  t.match(tr.lines.at(-1), /^finished at epoch 1\/1, step 3;/);
  const command = JSON.parse(await readFile(join(run, 'command.json'), 'utf8'));
  t.equal(command.config.variant, 'lite', 'the variant comes from the init model');

  const before = await weightsByName(join(shipped, 'tfjs'));
  const after = await weightsByName(join(run, 'checkpoints', 'last'));
  t.equal(after.size, before.size);
  let trunkSame = 0;
  let headChanged = 0;
  let headTrainable = 0;
  for (const [name, values] of before) {
    const trained = after.get(name);
    if (!trained) {
      t.fail(`${name} is missing after training`);
      continue;
    }
    const moved = maxAbsDiff(values, trained) > 0;
    if (isTrunkLayer(layerOf(name))) {
      if (!moved) trunkSame++;
      else t.fail(`trunk weight ${name} changed`);
    } else if (!/moving_(mean|variance)/.test(name)) {
      headTrainable++;
      if (moved) headChanged++;
    }
  }
  t.ok(trunkSame > 20, `all ${trunkSame} trunk weights (batch-norm statistics included) are unchanged`);
  t.ok(headChanged >= headTrainable * 0.8, `${headChanged} of ${headTrainable} head weights changed`);
  t.ok(before.get('logits/kernel') && maxAbsDiff(before.get('logits/kernel')!, after.get('logits/kernel')!) > 1e-4, 'the classifier moved');

  // the fine-tuned checkpoint exports and runs in onnxruntime with the trained model's logits
  const mine = join(dir, 'mine');
  await runExport(['--checkpoint', join(run, 'checkpoints', 'last'), '--out', mine], { out: { write: () => true } });
  const session = await openSession(new Uint8Array(await readFile(join(mine, 'model.onnx'))));
  const ckpt = await loadCheckpoint(join(run, 'checkpoints', 'last'));
  const trained = buildModel(cfg);
  restoreModelWeights(trained, ckpt.weights); // by name: a frozen model saves trainable weights first
  disposeCheckpoint(ckpt);
  const x = randomInput(cfg, 3, undefined, 44);
  const res = await runSession(session, 'input', x);
  const ref = (trained.predict(x) as tf.Tensor).dataSync();
  const d = maxAbsDiff(ref, res.logits.data);
  t.ok(d <= EXPORT_TOLERANCE, `fine-tuned ONNX vs tfjs: max |Δlogits| ${d.toExponential(2)}`);
  await session.release();
  x.dispose();
  trained.dispose();
  t.ok(existsSync(join(mine, 'tfjs', 'model.json')), 'the fine-tuned export can be fine-tuned again');

  // --init also takes a checkpoint directory (no freezing: the trunk moves too)
  const again = join(dir, 'again');
  const tr2 = deps();
  await runTrain(['--init', join(run, 'checkpoints', 'last'), '--data', faces, '--max-samples', '7', '--out', again, '--epochs', '1', '--batch-size', '7', '--workers', '0'], tr2.deps);
  const third = await weightsByName(join(again, 'checkpoints', 'last'));
  t.ok(maxAbsDiff(after.get('stem_conv/kernel')!, third.get('stem_conv/kernel')!) > 0, 'without --freeze-trunk the trunk trains');
});

t.test('mismatches are refused before any data is read', async (t) => {
  const dir = await tempDir(t, 'amft-init-bad-');
  const cfg = smallConfig('lite', false);
  const model = buildModel(cfg);
  const shipped = join(dir, 'shipped');
  await exportCheckpoint(model, cfg, shipped, { createdAt: '2025-01-01T00:00:00.000Z' });
  model.dispose();
  const missingData = join(dir, 'no-such-data'); // reading it would fail differently
  const train = async (...extra: string[]) => {
    const d = deps();
    const err = await runTrain(['--data', missingData, '--out', join(dir, 'run'), ...extra], d.deps).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    return err;
  };
  t.match(await train('--init', shipped, '--variant', 'amft'), { name: 'InitError', message: /variant: --variant amft, the model is lite/ });
  t.match(await train('--init', shipped, '--lstm'), { message: /LSTM head: --lstm given, the model has no LSTM head/ });
  t.match(await train('--freeze-trunk'), { message: /--freeze-trunk needs --init/ });
  t.match(await train('--init', join(dir, 'nothing-here')), { message: /neither an export directory with tfjs\/ .* nor a checkpoint directory/ });

  const infoPath = join(shipped, 'tfjs', 'amft.json');
  const info = await readFile(infoPath, 'utf8');
  const edit = async (f: (o: { labels: string[]; modelConfig: { preprocessing: { height: number; width: number } } }) => void) => {
    const o = JSON.parse(info);
    f(o);
    await writeFile(infoPath, JSON.stringify(o));
  };
  await edit((o) => (o.labels = ['neg', 'pos']));
  t.match(await train('--init', shipped), { message: /label set: the model has \[neg, pos\], the trainer uses \[angry, disgust/ });
  await edit((o) => (o.modelConfig.preprocessing = { ...o.modelConfig.preprocessing, height: 64, width: 64 }));
  t.match(await train('--init', shipped), { message: /input size mismatch: the saved model takes 48x48x1 \(HxWxC\), its config says 64x64x1/ });
  await writeFile(infoPath, info);
  // weights of another architecture beside this config: caught by their shapes, before the data
  const other = buildModel({ ...cfg, transformer: { ...cfg.transformer, feedForward: cfg.transformer.feedForward * 2 } });
  await writeTfjsWeights(other, cfg, join(dir, 'other'));
  other.dispose();
  t.match(await train('--init', join(dir, 'other')), { name: 'InitError', message: /has shape \[\d+,\d+\], the model's .* \[\d+,\d+\]/ });
  t.equal(existsSync(join(dir, 'run')), false, 'nothing was written for a refused run');
});
