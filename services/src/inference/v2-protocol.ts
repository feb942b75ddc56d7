/**
 * The Open Inference Protocol v2 (KServe / Triton REST) as both sides of this service speak it:
 * the request and response bodies as zod schemas, and the binary tensor data extension (a JSON
 * header of `Inference-Header-Content-Length` bytes, then each binary tensor's raw little-endian
 * bytes in the order the header lists them). Only FP32 tensors carry data here: the expression
 * model takes and gives nothing else. Used by routes/v2 (server) and remote-session.ts (client).
 */
import { z } from 'zod';
import { V2ModelMetadata, V2TensorMetadata } from '../schemas/v2.js';

export const BINARY_HEADER = 'inference-header-content-length';
export const FP32 = 'FP32';

/** onnxruntime element type -> v2 datatype. */
const DATATYPES: Readonly<Record<string, string>> = Object.freeze({
  float32: 'FP32', float16: 'FP16', float64: 'FP64', int8: 'INT8', int16: 'INT16', int32: 'INT32', int64: 'INT64',
  uint8: 'UINT8', uint16: 'UINT16', uint32: 'UINT32', uint64: 'UINT64', bool: 'BOOL', string: 'BYTES',
});

export function v2Datatype(ortType: string): string {
  return DATATYPES[ortType] ?? ortType.toUpperCase();
}

/** v2 datatype -> onnxruntime element type (the inverse of v2Datatype). */
export function ortType(datatype: string): string {
  return Object.entries(DATATYPES).find(([, d]) => d === datatype)?.[0] ?? datatype.toLowerCase();
}

/** A graph dimension as v2 writes it: -1 when dynamic. */
export const v2Dim = (d: number | string): number => (typeof d === 'number' && d >= 0 ? d : -1);

const Parameters = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

/** Tensor and model metadata: the route schemas' own (schemas/v2.ts), one declaration for both sides. */
export const TensorMetadata = V2TensorMetadata;
export type TensorMetadata = z.infer<typeof TensorMetadata>;

export const ModelMetadataResponse = V2ModelMetadata;
export type ModelMetadataResponse = z.infer<typeof ModelMetadataResponse>;

/** Nested or flat arrays of numbers (the protocol allows both, row-major). */
type NumberTree = number | NumberTree[];
const NumberTree: z.ZodType<NumberTree> = z.lazy(() => z.union([z.number(), z.array(NumberTree)]));

export const InferInput = z.object({
  name: z.string().min(1),
  shape: z.array(z.number().int().min(0)),
  datatype: z.string().min(1),
  parameters: Parameters.optional(),
  data: z.array(NumberTree).optional(),
});
export type InferInput = z.infer<typeof InferInput>;

export const InferRequest = z.object({
  id: z.string().optional(),
  parameters: Parameters.optional(),
  inputs: z.array(InferInput).min(1, 'inputs: at least one tensor'),
  outputs: z.array(z.object({ name: z.string().min(1), parameters: Parameters.optional() })).optional(),
});
export type InferRequest = z.infer<typeof InferRequest>;

export const InferOutput = TensorMetadata.extend({ parameters: Parameters.optional(), data: z.array(NumberTree).optional() });

export const InferResponse = z.object({
  model_name: z.string(),
  model_version: z.string().optional(),
  id: z.string().optional(),
  outputs: z.array(InferOutput),
});
export type InferResponse = z.infer<typeof InferResponse>;

export class V2FormatError extends Error {
  override name = 'V2FormatError';
}

export const elementCount = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Splits a body into its JSON header and the binary tensor bytes after it. */
export function splitBody(body: Buffer, headerLength: string | undefined): { json: unknown; binary: Buffer } {
  let n = body.length;
  if (headerLength !== undefined) {
    n = Number(headerLength);
    if (!Number.isInteger(n) || n < 0 || n > body.length) throw new V2FormatError(`Inference-Header-Content-Length ${headerLength} is not a length within the body of ${body.length} bytes`);
  }
  let json: unknown;
  try {
    json = JSON.parse(body.subarray(0, n).toString('utf8'));
  } catch (err) {
    throw new V2FormatError(`the inference header is not valid JSON: ${(err as Error).message}`);
  }
  return { json, binary: body.subarray(n) };
}

/** Float32 copy of little-endian bytes. */
function floatsOf(bytes: Buffer): Float32Array {
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}

/**
 * The FP32 data of each tensor (inputs of a request, outputs of a response), from `data` or from
 * the binary section (`parameters.binary_data_size`), checked against its shape.
 */
export function tensorData(tensors: readonly { name: string; shape: number[]; datatype: string; parameters?: Record<string, unknown>; data?: NumberTree[] }[], binary: Buffer): Float32Array[] {
  let offset = 0;
  const out = tensors.map((t) => {
    if (t.datatype !== FP32) throw new V2FormatError(`tensor '${t.name}' has datatype ${t.datatype}; only ${FP32} is served`);
    const count = elementCount(t.shape);
    const size = t.parameters?.binary_data_size;
    let data: Float32Array;
    if (size !== undefined) {
      if (typeof size !== 'number' || !Number.isInteger(size) || size < 0 || offset + size > binary.length) throw new V2FormatError(`tensor '${t.name}': binary_data_size ${String(size)} runs past the ${binary.length} bytes of binary data`);
      if (t.data !== undefined) throw new V2FormatError(`tensor '${t.name}' has both data and binary_data_size`);
      if (size !== count * 4) throw new V2FormatError(`tensor '${t.name}' of shape [${t.shape.join(',')}] needs ${count * 4} bytes of FP32, binary_data_size is ${size}`);
      data = floatsOf(binary.subarray(offset, offset + size));
      offset += size;
    } else {
      if (t.data === undefined) throw new V2FormatError(`tensor '${t.name}' has no data`);
      const flat = t.data.flat(Infinity as 1) as number[];
      if (flat.length !== count) throw new V2FormatError(`tensor '${t.name}' of shape [${t.shape.join(',')}] needs ${count} values, data has ${flat.length}`);
      data = Float32Array.from(flat);
    }
    return data;
  });
  if (offset !== binary.length) throw new V2FormatError(`${binary.length - offset} bytes of binary data are not claimed by any tensor`);
  return out;
}

/** A body with the binary tensor extension: JSON header, then `chunks`; or plain JSON when there are none. */
export function encodeBody(header: object, chunks: readonly Float32Array[]): { body: Buffer; headerLength?: number } {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  if (chunks.length === 0) return { body: json };
  const bin = chunks.map((c) => {
    const b = Buffer.alloc(c.length * 4);
    for (let i = 0; i < c.length; i++) b.writeFloatLE(c[i], i * 4);
    return b;
  });
  return { body: Buffer.concat([json, ...bin]), headerLength: json.length };
}

/** A tensor entry of a request or response: its data inline, or its byte size with the bytes in `chunks`. */
export function tensorEntry(meta: TensorMetadata, data: Float32Array, binary: boolean, chunks: Float32Array[]): z.infer<typeof InferOutput> {
  if (!binary) return { ...meta, data: Array.from(data) };
  chunks.push(data);
  return { ...meta, parameters: { binary_data_size: data.length * 4 } };
}
