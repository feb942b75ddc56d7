#!/usr/bin/env node
import { ZodError } from 'zod';
import { commandSynopsis, type CommandSpec } from './cli/command.js';

/** The commands' flag schemas (light modules: no TensorFlow.js, no onnxruntime session), in help order. */
async function specs(): Promise<CommandSpec[]> {
  const loaded = await Promise.all([
    import('./cli/info-flags.js').then((m) => m.INFO),
    import('./cli/train-flags.js').then((m) => m.TRAIN),
    import('./cli/eval-flags.js').then((m) => m.EVAL),
    import('./cli/export-flags.js').then((m) => m.EXPORT),
    import('./cli/export-triton-flags.js').then((m) => m.EXPORT_TRITON),
    import('./cli/predict-flags.js').then((m) => m.PREDICT),
  ]);
  return loaded as CommandSpec[];
}

/** `amft --help`: every command with its summary and all its flags with their defaults. */
async function usage(): Promise<string> {
  const commands = (await specs()).map(commandSynopsis);
  return `usage: amft <command> [options]

commands, each with its options and their defaults (amft <command> --help describes every option):
${commands.join('\n')}
`;
}

type Command = (argv: string[]) => Promise<void>;

/** Commands that run TensorFlow.js: its console notices are turned off before they start. */
const tfjs = async <T>(load: () => Promise<T>): Promise<T> => {
  (await import('./tfjs-quiet.js')).quietTensorflow();
  return load();
};

const COMMANDS: Record<string, () => Promise<Command>> = {
  info: () => tfjs(async () => (await import('./cli/info.js')).runInfo),
  train: () => tfjs(async () => (await import('./cli/train.js')).runTrain),
  eval: () => tfjs(async () => (await import('./cli/eval.js')).runEval),
  export: () => tfjs(async () => (await import('./cli/export.js')).runExport),
  'export-triton': async () => async (argv) => void (await (await import('./cli/export-triton.js')).runExportTriton(argv)),
  // onnxruntime only: no TensorFlow.js loaded
  predict: async () => (await import('./cli/predict.js')).runPredict,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    process.stdout.write(await usage());
    return name === undefined ? 2 : 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`amft: unknown command '${name}'\n\n${await usage()}`);
    return 2;
  }
  try {
    await (await load())(rest);
    return 0;
  } catch (err) {
    const help = `(amft ${name} --help lists every option)`;
    if (err instanceof ZodError) {
      process.stderr.write(`amft ${name}: invalid options:\n${err.issues.map((i) => `  --${i.path.join('.')}: ${i.message}`).join('\n')}\n${help}\n`);
      return 2;
    }
    const e = err as Error & { code?: string };
    if (e.code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`amft ${name}: ${e.message}${e.code === 'ERR_PARSE_ARGS_NO_INPUT' ? '' : `\n${help}`}\n`);
      return 2;
    }
    process.stderr.write(`amft ${name}: ${e.message}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
