/**
 * Triton's model configuration (`config.pbtxt`, protobuf text format of ModelConfig) for an
 * ONNX model run by the onnxruntime backend: inputs and outputs as in the graph, the batch
 * dimension left out of `dims` when the model batches (`max_batch_size` > 0), dynamic batching
 * with preferred batch sizes and a queue delay, and `label_filename` on the class outputs.
 */
import type { GraphTensor } from './graph-io.js';

export interface TritonConfig {
  name: string;
  /** 0 when the graph's first dimension is not a dynamic batch dimension. */
  maxBatchSize: number;
  inputs: GraphTensor[];
  outputs: GraphTensor[];
  preferredBatchSizes: number[];
  queueDelayMicroseconds: number;
  /** Model instances per device (`instance_group`, KIND_AUTO: GPU when there is one). */
  instances: number;
  /** Outputs whose values are per class, and the label file naming the classes. */
  labels?: { file: string; outputs: string[] };
}

const quote = (s: string) => JSON.stringify(s);

function tensorBlock(t: GraphTensor, batched: boolean, labelFile?: string): string {
  const dims = batched ? t.dims.slice(1) : t.dims;
  const lines = [`    name: ${quote(t.name)}`, `    data_type: ${t.dataType}`, `    dims: [ ${dims.join(', ')} ]`];
  if (labelFile) lines.push(`    label_filename: ${quote(labelFile)}`);
  return `  {\n${lines.join('\n')}\n  }`;
}

export function renderConfig(c: TritonConfig): string {
  const batched = c.maxBatchSize > 0;
  const labelled = new Set(c.labels?.outputs ?? []);
  const lines = [
    '# Triton model configuration, written by `amft export-triton` from the ONNX graph.',
    `name: ${quote(c.name)}`,
    'platform: "onnxruntime_onnx"',
    `max_batch_size: ${c.maxBatchSize}`,
    `input [\n${c.inputs.map((t) => tensorBlock(t, batched)).join(',\n')}\n]`,
    `output [\n${c.outputs.map((t) => tensorBlock(t, batched, labelled.has(t.name) ? c.labels?.file : undefined)).join(',\n')}\n]`,
  ];
  if (batched) {
    lines.push(`dynamic_batching {\n  preferred_batch_size: [ ${c.preferredBatchSizes.join(', ')} ]\n  max_queue_delay_microseconds: ${c.queueDelayMicroseconds}\n}`);
  }
  lines.push(`instance_group [\n  {\n    count: ${c.instances}\n    kind: KIND_AUTO\n  }\n]`);
  return `${lines.join('\n')}\n`;
}
