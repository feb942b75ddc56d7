/**
 * `amft export-triton`: an exported model directory -> a Triton model repository (see
 * export/triton/write-repository.ts).
 */
import { z } from 'zod';
import { writeTritonRepository, type WrittenRepository } from '../export/triton/write-repository.js';
import { parseFlags } from './flags.js';

const USAGE = `usage: amft export-triton --model-dir <dir> --out <repository dir> [options]

  --model-dir <dir>             an 'amft export' directory (model.onnx + metadata.json)
  --out <dir>                   the Triton model repository; writes <name>/config.pbtxt,
                                <name>/<version>/model.onnx and <name>/labels.txt
  --name <name>                 the model's name in the repository (default: the metadata's name,
                                which the service asks a remote v2 server for)
  --max-batch-size <n>          largest batch Triton forms (default 32)
  --preferred-batch-sizes <n,m> batch sizes the dynamic batcher aims for (default 4, 8, ..., max)
  --queue-delay-us <n>          how long a request may wait for others to batch with (default 500)
  --instances <n>               model instances per device, kind KIND_AUTO (default 1)
  --version <n>                 the model version directory (default 1)
`;

const OPTIONS = {
  'model-dir': { type: 'string' },
  out: { type: 'string' },
  name: { type: 'string' },
  'max-batch-size': { type: 'string' },
  'preferred-batch-sizes': { type: 'string' },
  'queue-delay-us': { type: 'string' },
  instances: { type: 'string' },
  version: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const sizes = z
  .string()
  .transform((s) => s.split(',').map((x) => Number(x.trim())))
  .pipe(z.array(z.number().int().min(1)).min(1));

const ExportTritonFlags = z.object({
  modelDir: z.string().min(1),
  out: z.string().min(1),
  name: z.string().min(1).optional(),
  maxBatchSize: z.coerce.number().int().min(1).max(4096).default(32),
  preferredBatchSizes: sizes.optional(),
  queueDelayUs: z.coerce.number().int().min(0).default(500),
  instances: z.coerce.number().int().min(1).default(1),
  version: z.coerce.number().int().min(1).default(1),
});

export async function runExportTriton(argv: string[], out: { write: (text: string) => unknown } = process.stdout): Promise<WrittenRepository | undefined> {
  if (argv.includes('--help') || argv.includes('-h')) {
    out.write(USAGE);
    return undefined;
  }
  const f = parseFlags(argv, OPTIONS, ExportTritonFlags);
  const written = await writeTritonRepository({ ...f, queueDelayMicroseconds: f.queueDelayUs });
  const c = written.config;
  out.write(`${c.name}: max_batch_size ${c.maxBatchSize}, inputs ${c.inputs.map((t) => `${t.name} [${t.dims.join(',')}]`).join(', ')}, outputs ${c.outputs.map((t) => t.name).join(', ')} -> ${written.configPath}, ${written.modelPath}, ${written.labelsPath}\n`);
  return written;
}
