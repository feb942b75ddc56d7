/**
 * The Open Inference Protocol v2 routes under /v2. Errors are the protocol's `{ error }` (the
 * v2 scope turns the service's error body into it before serialization).
 */
import { z } from 'zod';
import { V2NameParams, V2VersionParams } from './queries.js';
import { bytes, content, json, V2Ready, v2Errors } from './replies.js';

const params = z.record(z.string(), z.unknown());

export const V2TensorMetadata = z
  .object({ name: z.string(), datatype: z.string().meta({ examples: ['FP32'] }), shape: z.array(z.number().int().min(-1)) })
  .meta({ id: 'V2TensorMetadata' });

export const V2InferRequest = z
  .object({
    id: z.string().optional(),
    parameters: params.optional(),
    inputs: z
      .array(z.object({ name: z.string(), shape: z.array(z.number().int().min(0)), datatype: z.literal('FP32'), parameters: params.optional(), data: z.array(z.unknown()).optional() }))
      .min(1),
    outputs: z.array(z.object({ name: z.string(), parameters: params.optional() })).optional(),
  })
  .meta({ id: 'V2InferRequest' });

export const V2InferOutput = V2TensorMetadata.extend({ data: z.array(z.number()).optional(), parameters: params.optional() });
export const V2InferResponse = z.object({ model_name: z.string(), model_version: z.string().optional(), id: z.string().optional(), outputs: z.array(V2InferOutput) });

const binary = () => bytes('application/octet-stream', 'JSON header then binary tensors (Inference-Header-Content-Length)');

const V2ServerMetadata = z.object({ name: z.string(), version: z.string(), extensions: z.array(z.string()) });
export const V2ModelMetadata = z.object({
  name: z.string(),
  versions: z.array(z.string()).optional(),
  platform: z.string(),
  inputs: z.array(V2TensorMetadata),
  outputs: z.array(V2TensorMetadata),
});

export const v2ServerSchema = {
  operationId: 'v2ServerMetadata',
  summary: 'Open Inference Protocol v2 server metadata',
  description:
    'The v2 REST protocol of KServe and Triton, so their clients work unchanged. v2 errors are\n`{ "error": "<message>" }` (the protocol\'s shape), with the status codes above: 400 bad\ntensor or request, 404 unknown model, 503 busy or not ready (with `Retry-After`).\n',
  tags: ['v2'],
  response: { 200: json('Server name, version, extensions', V2ServerMetadata), ...v2Errors(401) },
} as const;

export const v2LiveSchema = {
  operationId: 'v2Live',
  security: [],
  summary: 'v2 liveness',
  tags: ['v2'],
  response: { 200: json('Live', z.object({ live: z.literal(true) })) },
} as const;

export const v2ReadySchema = {
  operationId: 'v2Ready',
  security: [],
  summary: 'v2 readiness (the same answer as /readyz)',
  tags: ['v2'],
  response: { 200: V2Ready, 503: V2Ready },
} as const;

/** The per-model routes, once as /models/{name}/... and once as /models/{name}/versions/{version}/... */
export function v2ModelSchemas(versioned: boolean) {
  const suffix = versioned ? 'Version' : '';
  const tags = ['v2'];
  const paramsSchema = versioned ? V2VersionParams : V2NameParams;
  return {
    metadata: {
      operationId: `v2ModelMetadata${suffix}`,
      summary: "The model's inputs and outputs, named, typed and shaped as in the ONNX graph (-1 dynamic)",
      tags,
      params: paramsSchema,
      response: { 200: json('Model metadata', V2ModelMetadata), ...v2Errors(401, 404) },
    },
    ready: {
      operationId: `v2ModelReady${suffix}`,
      summary: 'v2 model readiness',
      tags,
      params: paramsSchema,
      response: { 200: V2Ready, ...v2Errors(401, 404), 503: V2Ready },
    },
    infer: {
      operationId: `v2Infer${suffix}`,
      summary: 'Logits and probabilities of normalized face crops, through the dynamic batcher of /predict',
      description:
        "One FP32 input, the model's `io.input` (`input` [N,C,H,W]; `[N,1,C,H,W]` for an LSTM\nexport), already normalized (`(pixel / 255 - mean) / std`, channels first), `data` flat\nor nested row-major. Other graph inputs may be sent and are not used. Outputs `logits`\nand `probabilities` [N,7] (FER2013 order), all by default or those in `outputs`.\nBinary tensor data extension: a body of the JSON header (`Inference-Header-Content-Length`\nbytes) followed by each input's little-endian bytes (`parameters.binary_data_size`);\n`parameters.binary_data_output: true`, or an output's `parameters.binary_data: true`,\nanswers that way too (content type application/octet-stream). Bodies up to\n--max-file-bytes.\n",
      tags,
      params: paramsSchema,
      'x-body': { 'application/json': V2InferRequest, 'application/octet-stream': binary() },
      response: {
        200: content('The outputs asked for', { 'application/json': V2InferResponse, 'application/octet-stream': binary() }),
        ...v2Errors(400, 401, 404, 413, 500, 502, 503),
      },
    },
  } as const;
}
