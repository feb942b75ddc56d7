// Each command's flags, types and --help come from one zod object (src/cli/<command>-flags.ts):
// the help lists every field with its default, `amft --help` every command's flags with their
// defaults, and a bad flag or value is refused with a message naming it.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { commandHelp, type CommandSpec } from '../../src/cli/command.js';
import { EVAL } from '../../src/cli/eval-flags.js';
import { EXPORT } from '../../src/cli/export-flags.js';
import { EXPORT_TRITON } from '../../src/cli/export-triton-flags.js';
import { INFO } from '../../src/cli/info-flags.js';
import { PREDICT } from '../../src/cli/predict-flags.js';
import { TRAIN, trainConfigOf } from '../../src/cli/train-flags.js';
import { parseFlags } from '@amft/shared/flags';
import { z } from 'zod';
import { configChanges } from '../../src/train/resume.js';

const root = new URL('../../../', import.meta.url).pathname;
const AMFT = join(root, 'trainer', 'bin', 'amft.js');
const SPECS = [INFO, TRAIN, EVAL, EXPORT, EXPORT_TRITON, PREDICT] as CommandSpec[];
const kebab = (k: string) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function amft(...args: string[]) {
  const res = spawnSync(process.execPath, [AMFT, ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

/**
 * The value each field takes when its flag is not given (required fields given as 'x'), field by
 * field: a command's checks across flags (eval: exactly one of --checkpoint and --model) are not defaults.
 */
function defaults(spec: CommandSpec): Record<string, unknown> {
  const required = Object.entries(spec.flags.shape).filter(([, f]) => !f.safeParse(undefined).success).map(([k]) => k);
  return z.object(spec.flags.shape).parse(Object.fromEntries(required.map((k) => [k, 'x']))) as Record<string, unknown>;
}

t.test('amft <command> --help: every flag with its description and its default', async (t) => {
  for (const spec of SPECS) {
    const help = commandHelp(spec);
    const values = defaults(spec);
    t.match(help, new RegExp(`^usage: amft ${spec.name} `), spec.name);
    for (const key of Object.keys(spec.flags.shape)) {
      const flag = `--${kebab(key)}`;
      const at = help.search(new RegExp(`^ {2}${flag}( <[^>]+>)?$`, 'm'));
      t.ok(at >= 0, `${spec.name} ${flag} is listed`);
      const section = help.slice(at).split(/\n {2}-/)[0].replace(/\s+/g, ' ');
      t.ok(section.length > flag.length + 20, `${spec.name} ${flag} is described: ${section}`);
      const value = values[key];
      if (value === 'x') t.match(section, /Required\./, `${spec.name} ${flag} is required`);
      else if (value === undefined || (Array.isArray(value) && value.length === 0)) t.match(section, /Default: [^.]|Repeatable\./, `${spec.name} ${flag}: its default in words`);
      else t.ok(section.includes(`Default: ${String(value)}.`), `${spec.name} ${flag}: default ${String(value)} in ${section}`);
    }
  }
  t.match(commandHelp(TRAIN).replace(/\s+/g, ' '), /--weight-decay <x> Decoupled weight decay, on kernels only\. Default: 0\.05 with adamw, 0\.0005 with sgd\./);
});

t.test('amft --help lists every command, each with all its flags and their defaults', async (t) => {
  const r = amft('--help');
  t.equal(r.code, 0, r.stderr);
  const text = r.stdout.replace(/\s+/g, ' ');
  for (const spec of SPECS) {
    t.match(r.stdout, new RegExp(`^ {2}${spec.name} +${spec.summary}$`, 'm'), spec.name);
    const section = text.slice(text.indexOf(` ${spec.name} ${spec.summary}`)).split(/ {2}\w/)[0];
    const values = defaults(spec);
    for (const key of Object.keys(spec.flags.shape)) {
      const v = values[key];
      const shown = typeof v === 'number' || (typeof v === 'string' && v !== 'x') ? `[--${kebab(key)} ${v}]` : `--${kebab(key)}`;
      t.ok(section.includes(shown), `${spec.name}: ${shown}`);
    }
  }
  t.match(text, /train train a model on a dataset --data <path> .*\[--epochs 30\] \[--batch-size 64\] \[--lr 0\.001\]/);
  t.equal(amft('train', '--help').code, 0);
});

t.test('an unknown flag or a bad value: exit 2 and a message naming it', async (t) => {
  for (const spec of SPECS) {
    const unknown = amft(spec.name, '--no-such-flag');
    t.equal(unknown.code, 2, `${spec.name} --no-such-flag`);
    t.match(unknown.stderr, new RegExp(`^amft ${spec.name}: Unknown option '--no-such-flag'.*\\n\\(amft ${spec.name} --help lists every option\\)`, 's'));
  }
  const bad = amft('train', '--data', 'x', '--out', 'y', '--epochs', 'many', '--label-smoothing', '2', '--data-parallel', 'two');
  t.equal(bad.code, 2);
  t.match(bad.stderr, /invalid options:\n {2}--epochs: .*expected number.*\n {2}--label-smoothing: .*\n {2}--data-parallel: expected auto, off or a worker count\n/);
  t.notMatch(bad.stderr, /\n\s+at /, 'no stack trace');
  const missing = amft('eval', '--data', 'x', '--out', 'y');
  t.equal(missing.code, 2);
  t.match(missing.stderr, /--checkpoint: give --checkpoint <dir> \(a training checkpoint\) or --model <dir> \(an export directory\)/);
  const both = amft('eval', '--checkpoint', 'c', '--model', 'm', '--data', 'x', '--out', 'y');
  t.equal(both.code, 2);
  t.match(both.stderr, /invalid options:\n {2}--model: give --checkpoint .* or --model .*, not both\n/);
  if (existsSync(join(root, 'models', 'default', 'metadata.json'))) {
    const exported = amft('eval', '--checkpoint', 'models/default', '--data', 'x', '--out', 'y');
    t.equal(exported.code, 2, 'an export directory given to --checkpoint');
    t.match(exported.stderr, /^amft eval: --checkpoint models\/default is an export directory .*: evaluate its ONNX graph with --model models\/default\n/);
  }
  const triton = amft('export-triton', '--model-dir', 'm', '--out', 'o', '--max-batch-size', '0');
  t.equal(triton.code, 2);
  t.match(triton.stderr, /--max-batch-size: Too small/);
});

t.test('the recipe of the default run, recorded with its command: same flags, same defaults', async (t) => {
  // runs/default/command.json: what `--resume` of that run must rebuild exactly
  const argv = ['--data', '../shared/data/fer2013/train', '--val-data', '../shared/data/fer2013/val', '--variant', 'lite', '--epochs', '40', '--balance', 'sqrt-weighted', '--threads', '2', '--save-every', '200', '--out', 'runs/default'];
  const { values } = parseFlags(argv, TRAIN.flags);
  // its recorded config (runs/default/command.json, training/default/checkpoints/last/state.json)
  const recorded = {
    variant: 'lite',
    lstm: false,
    epochs: 40,
    batchSize: 64,
    lr: 0.001,
    minLr: 0,
    warmupEpochs: 1,
    optimizer: 'adamw',
    weightDecay: 0.05,
    momentum: 0.9,
    labelSmoothing: 0.1,
    balance: 'sqrt-weighted',
    augment: true,
    seed: 42,
    saveEverySteps: 200,
    logEverySteps: 50,
    evalBatchSize: 128,
    workers: 1,
  };
  const config = trainConfigOf(values);
  // and the recipe options added since, each at its default: off
  t.same(config, { ...recorded, randomErasing: 0, mixup: 0, cutmix: 0, logitAdjust: 0, budgetWarmup: 0.05, keepEpochs: 0 });
  t.same([config.widths, config.blocks, config.cpuBudgetMin], [undefined, undefined, undefined]);
  t.same(configChanges(recorded, config), [], '--resume accepts the recorded config');
  const keeping = trainConfigOf(parseFlags([...argv, '--keep-epochs', '10'], TRAIN.flags).values);
  t.equal(keeping.keepEpochs, 10);
  t.same(configChanges(recorded, keeping), [], 'and with --keep-epochs 10 (scripts/default-run.sh now passes it)');
  t.same(values.threads, 2);
  t.match(trainConfigOf(parseFlags(['--data', 'd', '--out', 'o', '--optimizer', 'sgd', '--no-augment'], TRAIN.flags).values), { optimizer: 'sgd', weightDecay: 5e-4, augment: false }, 'with sgd its own weight decay');
  t.match(trainConfigOf(parseFlags(['--data', 'd', '--out', 'o'], TRAIN.flags).values, { variant: 'amft', lstm: true }), { variant: 'amft', lstm: true }, "--init's model");
});
