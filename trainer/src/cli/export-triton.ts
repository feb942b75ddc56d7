/**
 * `amft export-triton`: an exported model directory -> a Triton model repository (see
 * export/triton/write-repository.ts).
 */
import { writeTritonRepository, type WrittenRepository } from '../export/triton/write-repository.js';
import { parseOrHelp } from './command.js';
import { EXPORT_TRITON } from './export-triton-flags.js';

export async function runExportTriton(argv: string[], out: { write: (text: string) => unknown } = process.stdout): Promise<WrittenRepository | undefined> {
  const parsed = parseOrHelp(argv, EXPORT_TRITON, out);
  if (!parsed) return undefined;
  const { values: f } = parsed;
  const written = await writeTritonRepository({ ...f, queueDelayMicroseconds: f.queueDelayUs });
  const c = written.config;
  out.write(`${c.name}: max_batch_size ${c.maxBatchSize}, inputs ${c.inputs.map((t) => `${t.name} [${t.dims.join(',')}]`).join(', ')}, outputs ${c.outputs.map((t) => t.name).join(', ')} -> ${written.configPath}, ${written.modelPath}, ${written.labelsPath}\n`);
  return written;
}
