// Which of a run's checkpoints to ship: each one tuned as `amft export --tta flip` tunes it (both
// graphs exported and run in onnxruntime on the validation set, trainer/src/export/tune-export.ts);
// prints a table (accuracy and macro-F1 of the network alone, with flip and with crops) and, last, the directory
// with the best flip accuracy. Selection is on validation data only.
//   npx tsx scripts/pick-checkpoint.ts [--val ../shared/data/fer2013/val] --run <run dir> | --checkpoints <dir> ...
// --run compares the run's checkpoints/best and every checkpoints/epoch-<n> (`amft train --keep-epochs`).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { benchFlags } from '../bench/flags.js';
import { loadDataset } from '../trainer/src/data/load-dataset.js';
import { loadTrainerCheckpoint } from '../trainer/src/export/checkpoint-loader.js';
import { prepareValSet, type ValSet } from '../trainer/src/export/onnx-val.js';
import { tuneExport, type GraphMeasure } from '../trainer/src/export/tune-export.js';
import { quietTensorflow } from '../trainer/src/tfjs-quiet.js';
import { keptEpochs } from '../trainer/src/train/finish-epoch.js';

const flags = benchFlags(
  z.object({
    val: z.string().default('../shared/data/fer2013/val').meta({ arg: 'dir', description: 'The labelled validation data.' }),
    run: z.string().optional().meta({ arg: 'dir', description: 'A training run: its checkpoints/best and checkpoints/epoch-<n> (amft train --keep-epochs).', defaultText: 'none' }),
    checkpoints: z.array(z.string()).default([]).meta({ arg: 'dir', description: 'A checkpoint directory to compare (repeat the flag).', defaultText: 'none' }),
  }),
  'npx tsx scripts/pick-checkpoint.ts --run <dir> | --checkpoints <dir> [--checkpoints <dir> ...] [--val <dir>]',
);

/** The run's best checkpoint, then its kept epochs in order. */
function runCheckpoints(run: string): string[] {
  const dir = join(run, 'checkpoints');
  if (!existsSync(dir)) throw new Error(`--run ${run}: no checkpoints directory`);
  const epochs = keptEpochs(readdirSync(dir)).map((e) => join(dir, e.name));
  return [...(existsSync(join(dir, 'best')) ? [join(dir, 'best')] : []), ...epochs];
}
const checkpoints = [...(flags.run ? runCheckpoints(flags.run) : []), ...flags.checkpoints];
if (checkpoints.length === 0) {
  process.stderr.write('pick-checkpoint: nothing to compare: give --run <dir> or --checkpoints <dir>\n');
  process.exit(2);
}

quietTensorflow();
await tf.setBackend('cpu');
const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

let set: ValSet | undefined;
const rows: { dir: string; none: GraphMeasure; flip: GraphMeasure; crops: GraphMeasure }[] = [];
for (const dir of checkpoints) {
  const { model, config } = await loadTrainerCheckpoint(dir);
  try {
    if (!set) {
      const data = await loadDataset({ path: flags.val, onBadRow: 'fail' }, { spec: config.preprocessing });
      set = await prepareValSet(data.dataset, config.preprocessing, config.lstm);
    }
    const { measured } = await tuneExport(model, config, { tta: 'flip', calibrate: false, val: { set, split: flags.val } });
    if (!measured) throw new Error(`${dir}: not measured`);
    rows.push({ dir, ...measured });
    process.stderr.write(`${dir}: ${pct(measured.none.accuracy)} alone, ${pct(measured.flip.accuracy)} with flip\n`);
  } finally {
    model.dispose();
  }
}
console.log(`| checkpoint | accuracy | macro-F1 | accuracy, flip TTA | macro-F1, flip TTA | accuracy, crops TTA | macro-F1, crops TTA |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |`);
for (const r of rows) console.log(`| ${r.dir} | ${[r.none, r.flip, r.crops].map((g) => `${pct(g.accuracy)} | ${pct(g.macroF1)}`).join(' | ')} |`);
console.log([...rows].sort((a, b) => b.flip.accuracy - a.flip.accuracy || b.flip.macroF1 - a.flip.macroF1)[0].dir);
