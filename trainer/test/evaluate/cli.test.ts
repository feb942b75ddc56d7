import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import t from 'tap';
import { ZodError } from 'zod';
import { runEval } from '../../src/cli/eval.js';
import { runTrain } from '../../src/cli/train.js';
import { tempDir, writeBrightDarkFolder } from '../data/fixtures.js';
import { tinyFactory } from '../train/tiny-model.js';
import { cpuBackend } from '../cpu-backend.js';

await cpuBackend();

function deps() {
  const lines: string[] = [];
  return {
    lines,
    deps: {
      createModel: tinyFactory,
      selectBackend: async () => ({ name: 'cpu' }),
      log: pino({ level: 'silent' }),
      out: { isTTY: false, write: (s: string) => lines.push(s) },
    },
  };
}

t.test('amft train then amft eval on an image folder', async (t) => {
  const dir = await tempDir(t);
  await writeBrightDarkFolder(join(dir, 'train'), 24);
  await writeBrightDarkFolder(join(dir, 'val'), 8);
  const out = join(dir, 'run');
  const tr = deps();
  await runTrain(
    ['--data', join(dir, 'train'), '--val-data', join(dir, 'val'), '--out', out, '--epochs', '2', '--batch-size', '8', '--lr', '0.02', '--seed', '3', '--log-every', '3', '--optimizer', 'adamw', '--balance', 'weighted'],
    tr.deps,
  );
  t.match(tr.lines.at(-1), /^finished at epoch 2\/2, step 12; best valAccuracy/);
  t.ok(tr.lines.some((l) => /^epoch 1\/2 step 3\/12 \(25\.0%\) loss \d\.\d{4} acc [\d.]+% lr [\d.e+-]+ \d+ img\/s ETA/.test(l)), 'progress lines when not a TTY');
  const command = JSON.parse(await readFile(join(out, 'command.json'), 'utf8'));
  t.equal(command.train.samples, 48);
  t.equal(command.val.format, 'folder');
  t.equal(command.config.batchSize, 8);

  const ev = deps();
  const report = join(dir, 'report');
  await runEval(['--checkpoint', join(out, 'checkpoints', 'best'), '--data', join(dir, 'val'), '--out', report], ev.deps);
  t.match(ev.lines[0], /^16 samples: accuracy [\d.]+%, macro-F1/);
  for (const f of ['report.json', 'report.md', 'confusion.png']) t.ok(existsSync(join(report, f)), f);
  const json = JSON.parse(await readFile(join(report, 'report.json'), 'utf8'));
  t.equal(json.count, 16);
  t.equal(json.perClass.angry.support, 8);
  const state = JSON.parse(await readFile(join(out, 'checkpoints', 'best', 'state.json'), 'utf8'));
  t.equal(json.accuracy, state.best.value, 'eval of the best checkpoint reproduces its validation accuracy');

  // resume a finished run with more epochs
  const more = deps();
  await runTrain(['--data', join(dir, 'train'), '--val-data', join(dir, 'val'), '--out', out, '--epochs', '3', '--batch-size', '8', '--lr', '0.02', '--seed', '3', '--resume'], more.deps);
  t.match(more.lines.at(-1), /^finished at epoch 3\/3, step 18/);
});

t.test('flags are validated and errors name the flag', async (t) => {
  const { deps: d } = deps();
  const zodPath = async (argv: string[]) => {
    const err = await runTrain(argv, d).catch((e: unknown) => e);
    return err instanceof ZodError ? err.issues.map((i) => i.path.join('.')) : String(err);
  };
  t.same(await zodPath(['--data', 'x', '--out', 'y', '--batch-size', 'many']), ['batch-size']);
  t.same(await zodPath(['--data', 'x', '--out', 'y', '--epochs', '0']), ['epochs']);
  t.same(await zodPath(['--data', 'x', '--out', 'y', '--label-smoothing', '2']), ['label-smoothing']);
  t.same(await zodPath(['--data', 'x', '--out', 'y', '--optimizer', 'adam']), ['optimizer']);
  t.same(await zodPath(['--data', 'x', '--out', 'y', '--format', 'zip']), ['format']);
  t.same(await zodPath(['--out', 'y']), ['data']);
  await t.rejects(runTrain(['--data', 'x', '--out', 'y', '--bogus'], d), { code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' });
  await t.rejects(runTrain(['--data', '/nonexistent/data', '--out', 'y'], d), /no such file or directory/);
  const help = deps();
  await runTrain(['--help'], help.deps);
  t.match(help.lines.join(''), /usage: amft train[\s\S]*--on-bad-row/);
  await runEval(['--help'], help.deps);
  t.match(help.lines.join(''), /usage: amft eval[\s\S]*--checkpoint/);
});
