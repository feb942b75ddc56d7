/**
 * `amft eval --model <export dir>` evaluates exactly the graph users get: a lite model (the real
 * architecture, 48x48 gray) trained for 3 steps on a real FER2013 subset, exported with and without
 * flip TTA; on a real subset of ../shared/data/fer2013/val the ONNX evaluation reproduces the
 * accuracy `amft export --val-data` measured for that graph, and for the graph without TTA the
 * predictions of `amft eval --checkpoint` of the same checkpoint (accuracy and confusion matrix
 * equal; probabilities within PROBABILITY_TOLERANCE). Bad flag combinations are usage errors.
 */
import t from 'tap';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LABELS } from '@amft/shared';
import { ZodError } from 'zod';
import { cliDeps } from '../train/cli-deps.js';
import { runEval } from '../../src/cli/eval.js';
import { exportWithFlags, parseExportFlags } from '../../src/cli/export.js';
import { runTrain } from '../../src/cli/train.js';
import { loadDataset } from '../../src/data/load-dataset.js';
import { evaluateModel } from '../../src/evaluate/evaluate-model.js';
import { evaluateOnnx, readExportedModel } from '../../src/evaluate/evaluate-onnx.js';
import { loadTrainerCheckpoint } from '../../src/export/checkpoint-loader.js';
import { FER2013, HAVE_SHARED_DATA, SHARED_DATA_ABSENT } from '../../../test/shared-data.js';
import { tempDir } from '../data/fixtures.js';
import { cpuBackend } from '../cpu-backend.js';

/**
 * Max |Δp| per class between softmax of the TensorFlow.js logits (cpu backend) and the ONNX
 * graph's `probabilities` (onnxruntime): the export parity tests hold logits to 1e-4.
 */
const PROBABILITY_TOLERANCE = 1e-4;
/** A real subset of the validation folder (the same fixed subset for export and eval: --max-samples keeps the class mix). */
const VAL_SAMPLES = '84';

const deps = cliDeps;

const quiet = { isTTY: false, write: () => undefined };
const readJson = async (path: string) => JSON.parse(await readFile(path, 'utf8'));

t.test('amft eval --model: the exported graph, with and without flip TTA', { skip: HAVE_SHARED_DATA ? false : SHARED_DATA_ABSENT }, async (t) => {
  const dir = await tempDir(t, 'amft-evalonnx-');
  const val = join(FER2013, 'val');
  const run = join(dir, 'run');
  const tr = deps();
  await runTrain(
    ['--data', join(FER2013, 'train'), '--max-samples', '42', '--variant', 'lite', '--out', run, '--epochs', '1', '--batch-size', '14', '--lr', '0.01', '--warmup-epochs', '0', '--workers', '0', '--seed', '7'],
    tr.deps,
  );
  t.match(tr.lines.at(-1), /^finished at epoch 1\/1, step 3;/);
  const ckpt = join(run, 'checkpoints', 'last');

  const exported = async (tta: 'none' | 'flip') => {
    const out = join(dir, `export-${tta}`);
    const w = await exportWithFlags(parseExportFlags(['--checkpoint', ckpt, '--out', out, '--tta', tta, '--val-data', val, '--val-max-samples', VAL_SAMPLES]), { progress: quiet });
    return { out, measured: w.tuning.measured!, metadata: w.metadata };
  };
  const evalModel = async (model: string) => {
    const ev = deps();
    const out = join(dir, `eval-${model.split('/').at(-1)}`);
    await runEval(['--model', model, '--data', val, '--max-samples', VAL_SAMPLES, '--out', out], ev.deps);
    return { lines: ev.lines, out, report: await readJson(join(out, 'report.json')), markdown: await readFile(join(out, 'report.md'), 'utf8') };
  };

  const plain = await exported('none');
  const flip = await exported('flip');
  t.equal(plain.metadata.tta ?? 'none', 'none');
  t.equal(flip.metadata.tta, 'flip');
  t.equal(plain.measured.count, Number(VAL_SAMPLES));

  t.test('each graph: the accuracy amft export measured for it', async (t) => {
    for (const [name, e, graph] of [['no TTA', plain, plain.measured.none], ['flip TTA', flip, flip.measured.flip]] as const) {
      const r = await evalModel(e.out);
      t.equal(r.report.count, Number(VAL_SAMPLES), name);
      t.equal(r.report.accuracy, graph.accuracy, `${name}: the export's own measurement (${graph.accuracy})`);
      t.equal(r.report.macroF1, graph.macroF1, `${name}: the export's macro-F1 (${graph.macroF1})`);
      t.match(r.lines[0], new RegExp(`^${VAL_SAMPLES} samples \\(ONNX graph, ${name === 'flip TTA' ? 'flip TTA' : 'no TTA'}.*\\): accuracy [\\d.]+%, macro-F1 [\\d.]+%, ECE [\\d.]+% -> `));
      t.match(r.markdown, new RegExp(`^# Evaluation of .*: ONNX graph of .*export-${name === 'flip TTA' ? 'flip' : 'none'} \\(${name === 'flip TTA' ? 'flip TTA' : 'no TTA'}.*, no temperature \\(T = 1\\)\\)`));
      t.equal(r.report.graph.tta, name === 'flip TTA' ? 'flip' : 'none');
      t.equal(r.report.graph.temperature, 1);
      t.equal(r.report.runtime, 'onnxruntime-node');
      t.ok(r.report.ece >= 0 && r.report.ece <= 1, 'ECE over the graph probabilities');
      t.same(Object.keys(r.report.perClass), [...LABELS]);
    }
  });

  t.test('the graph without TTA predicts what amft eval --checkpoint does', async (t) => {
    const onnx = await evalModel(plain.out);
    const ev = deps();
    const out = join(dir, 'eval-checkpoint');
    await runEval(['--checkpoint', ckpt, '--data', val, '--max-samples', VAL_SAMPLES, '--out', out], ev.deps);
    const tfjs = await readJson(join(out, 'report.json'));
    t.equal(onnx.report.accuracy, tfjs.accuracy, 'accuracy');
    t.same(onnx.report.confusion, tfjs.confusion, 'confusion matrix');
    t.ok(Math.abs(onnx.report.ece - tfjs.ece) <= PROBABILITY_TOLERANCE, `ECE ${onnx.report.ece} vs ${tfjs.ece}`);

    // per sample: the same samples, the same predictions, probabilities within PROBABILITY_TOLERANCE
    const model = await readExportedModel(plain.out);
    const data = await loadDataset({ path: val, maxSamples: Number(VAL_SAMPLES), onBadRow: 'fail' }, { spec: model.metadata.preprocessing });
    const graph = await evaluateOnnx(model, data.dataset);
    await cpuBackend();
    const loaded = await loadTrainerCheckpoint(ckpt);
    try {
      const ref = await evaluateModel(loaded.model, data.dataset, loaded.config.preprocessing);
      t.same(Array.from(graph.predictions), Array.from(ref.predictions), 'predictions');
      t.ok(new Set(ref.predictions).size >= 2, `the trained model predicts several classes (${new Set(ref.predictions).size}), so equal predictions say something`);
      let worst = 0;
      ref.probabilities.forEach((row, i) => row.forEach((p, j) => (worst = Math.max(worst, Math.abs(p - graph.probabilities[i * LABELS.length + j])))));
      t.ok(worst <= PROBABILITY_TOLERANCE, `max |Δp| ${worst} <= ${PROBABILITY_TOLERANCE}`);
    } finally {
      loaded.model.dispose();
    }
  });
});

t.test('bad combinations of flags are usage errors naming the flag', async (t) => {
  const dir = await tempDir(t, 'amft-evalflags-');
  const ev = deps();
  const err = async (argv: string[]) => runEval([...argv, '--data', 'nowhere', '--out', join(dir, 'out')], ev.deps).then(() => undefined, (e: unknown) => e);
  const both = await err(['--checkpoint', 'c', '--model', 'm']);
  t.type(both, ZodError);
  t.match((both as ZodError).issues, [{ path: ['model'], message: /not both/ }]);
  const neither = await err([]);
  t.type(neither, ZodError);
  t.match((neither as ZodError).issues, [{ path: ['checkpoint'], message: /--checkpoint <dir> .* or --model <dir>/ }]);
  const backend = await err(['--model', 'm', '--backend', 'wasm']);
  t.type(backend, ZodError);
  t.match((backend as ZodError).issues, [{ path: ['backend'], message: /onnxruntime-node/ }]);
  // an export directory given to --checkpoint (as models/default is)
  const fake = join(dir, 'export');
  await mkdir(fake);
  await writeFile(join(fake, 'metadata.json'), '{}');
  t.match(await err(['--checkpoint', fake]), { code: 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE', message: new RegExp(`^--checkpoint ${fake} is an export directory .* with --model ${fake}$`) });
  t.match(await err(['--model', join(dir, 'nothing')]), { message: /^--model .*nothing: no metadata\.json/ });
});
