// Which of a run's checkpoints to ship: each one exported as the graph users get (flip TTA, as
// `amft export --tta auto` keeps for the default model) and run in onnxruntime on the validation
// set; prints a table (accuracy, macro-F1 of the network alone and with flip) and, last, the
// directory with the best flip accuracy. Selection is on validation data only.
//   npx tsx scripts/pick-checkpoint.ts [--val ../shared/data/fer2013/val] <checkpoint dir>...
import * as tf from '@tensorflow/tfjs';
import { classificationReport } from '@amft/shared';
import { z } from 'zod';
import { benchFlags } from '../bench/flags.js';
import { loadDataset } from '../trainer/src/data/load-dataset.js';
import { loadTrainerCheckpoint } from '../trainer/src/export/checkpoint-loader.js';
import { exportToOnnx } from '../trainer/src/export/export-onnx.js';
import { prepareValSet, runOnValSet, type ValSet } from '../trainer/src/export/onnx-val.js';
import { quietTensorflow } from '../trainer/src/tfjs-quiet.js';

const flags = benchFlags(
  z.object({
    val: z.string().default('../shared/data/fer2013/val').meta({ arg: 'dir', description: 'The labelled validation data.' }),
    checkpoints: z.array(z.string()).min(1).meta({ arg: 'dir', description: 'A checkpoint directory to compare (repeat the flag).' }),
  }),
  'npx tsx scripts/pick-checkpoint.ts --checkpoints <dir> [--checkpoints <dir> ...] [--val <dir>]',
);

quietTensorflow();
await tf.setBackend('cpu');
const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
const macroF1 = (logits: Float32Array, set: ValSet) => {
  const k = logits.length / set.labels.length;
  const pred = Array.from(set.labels, (_, i) => {
    let best = 0;
    for (let j = 1; j < k; j++) if (logits[i * k + j] > logits[i * k + best]) best = j;
    return best;
  });
  return classificationReport(set.labels, pred).macroF1;
};

let set: ValSet | undefined;
const rows: { dir: string; none: number; noneF1: number; flip: number; flipF1: number }[] = [];
for (const dir of flags.checkpoints) {
  const { model, config } = await loadTrainerCheckpoint(dir);
  if (!set) {
    const data = await loadDataset({ path: flags.val, onBadRow: 'fail' }, { spec: config.preprocessing });
    set = await prepareValSet(data.dataset, config.preprocessing, config.lstm);
  }
  const run = (tta: 'none' | 'flip') => runOnValSet(exportToOnnx(model, config, { tta, metadata: { createdAt: new Date(0) } }).bytes, set!);
  const [none, flip] = [await run('none'), await run('flip')];
  model.dispose();
  rows.push({ dir, none: none.accuracy, noneF1: macroF1(none.logits, set), flip: flip.accuracy, flipF1: macroF1(flip.logits, set) });
  process.stderr.write(`${dir}: ${pct(none.accuracy)} alone, ${pct(flip.accuracy)} with flip\n`);
}
console.log(`| checkpoint | accuracy | macro-F1 | accuracy, flip TTA | macro-F1, flip TTA |\n| --- | ---: | ---: | ---: | ---: |`);
for (const r of rows) console.log(`| ${r.dir} | ${pct(r.none)} | ${pct(r.noneF1)} | ${pct(r.flip)} | ${pct(r.flipF1)} |`);
console.log([...rows].sort((a, b) => b.flip - a.flip || b.flipF1 - a.flipF1)[0].dir);
