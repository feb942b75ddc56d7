#!/usr/bin/env node
import { ZodError } from 'zod';

const USAGE = `usage: amft <command> [options]

commands:
  info     parameter counts and FLOPs of a variant   (--variant seed|amft|lite [--lstm] [--json])
  train    train a model on a dataset                 (amft train --help)
  eval     evaluate a checkpoint on a dataset         (amft eval --help)
  export   export a checkpoint to ONNX                (amft export --help)
  export-triton  a Triton model repository from an export (amft export-triton --help)
  predict  expressions of the faces in images         (amft predict --help)
`;

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
    process.stdout.write(USAGE);
    return name === undefined ? 2 : 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`amft: unknown command '${name}'\n\n${USAGE}`);
    return 2;
  }
  try {
    await (await load())(rest);
    return 0;
  } catch (err) {
    if (err instanceof ZodError) {
      process.stderr.write(`amft ${name}: invalid options:\n${err.issues.map((i) => `  --${i.path.join('.')}: ${i.message}`).join('\n')}\n`);
      return 2;
    }
    const e = err as Error & { code?: string };
    if (e.code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`amft ${name}: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`amft ${name}: ${e.message}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
