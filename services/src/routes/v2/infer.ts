/**
 * POST /v2/models/{name}/infer: checks a v2 infer request against the model's graph (the input
 * `io.input` as FP32 `[N,C,H,W]`, or `[N,1,C,H,W]` for the trainer's LSTM export; outputs
 * `io.logits` and `io.probabilities`), sends its N images through the service's dynamic batcher
 * (the one /predict uses) and answers with the outputs asked for, as JSON or, when asked, in the
 * binary tensor data extension. Other graph inputs may be sent (clients that feed every input);
 * they are not used: the outputs served do not depend on them.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { V2InferOutput, V2InferResponse } from '../../schemas/index.js';
import type { Fer } from '../../plugins/app/fer.js';
import { BadRequestError } from '../../errors.js';
import { NUM_OUTPUTS } from '../../pipeline/infer.js';
import { BINARY_HEADER, encodeBody, FP32, InferRequest, splitBody, tensorData, tensorEntry, V2FormatError, type TensorMetadata } from '../../inference/v2-protocol.js';

/** The request body as a Buffer (the v2 scope parses every content type as bytes). */
function parseRequest(req: FastifyRequest): { request: InferRequest; binary: Buffer } {
  const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const header = req.headers[BINARY_HEADER];
  const { json, binary } = splitBody(body, typeof header === 'string' ? header : undefined);
  const parsed = InferRequest.safeParse(json);
  if (!parsed.success) throw new V2FormatError(`invalid inference request: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return { request: parsed.data, binary };
}

/** The shape the input must have, -1 where any size is accepted. */
function expectedShape(fer: Fer): number[] {
  const { metadata, imageAsClip } = fer.describe();
  const { channels: C, height: H, width: W } = metadata.preprocessing;
  return imageAsClip ? [-1, 1, C, H, W] : [-1, C, H, W];
}

export async function infer(fer: Fer, req: FastifyRequest, reply: FastifyReply, version: string): Promise<z.output<typeof V2InferResponse> | FastifyReply> {
  const { metadata, graph } = fer.describe();
  const { io, name } = metadata;
  let request: InferRequest;
  let tensor: Float32Array;
  let shape: number[];
  try {
    let binary: Buffer;
    ({ request, binary } = parseRequest(req));
    const graphInputs = graph.inputNames;
    const unknown = request.inputs.filter((t) => !graphInputs.includes(t.name)).map((t) => t.name);
    if (unknown.length) throw new V2FormatError(`unknown input ${unknown.map((n) => `'${n}'`).join(', ')}; the model's inputs are [${graphInputs.join(', ')}]`);
    const index = request.inputs.findIndex((t) => t.name === io.input);
    if (index < 0) throw new V2FormatError(`input '${io.input}' is missing`);
    const input = request.inputs[index];
    const want = expectedShape(fer);
    if (input.datatype !== FP32) throw new V2FormatError(`input '${input.name}' has datatype ${input.datatype}, expected ${FP32}`);
    if (input.shape.length !== want.length || input.shape[0] < 1 || want.some((d, i) => d >= 0 && d !== input.shape[i])) {
      throw new V2FormatError(`input '${input.name}' has shape [${input.shape.join(',')}], expected [${want.join(',')}] (-1: any batch size from 1)`);
    }
    tensor = tensorData(request.inputs, binary)[index];
    if (!tensor.every(Number.isFinite)) throw new V2FormatError(`input '${input.name}' has values that are not finite numbers`);
    shape = input.shape;
  } catch (err) {
    if (err instanceof V2FormatError) throw new BadRequestError(err.message);
    throw err;
  }

  const served = [io.logits, io.probabilities];
  const asked = request.outputs ?? served.map((n) => ({ name: n, parameters: undefined }));
  const bad = asked.filter((o) => !served.includes(o.name)).map((o) => `'${o.name}'`);
  if (bad.length) throw new BadRequestError(`unknown output ${bad.join(', ')}; this route serves [${served.join(', ')}]`);

  const n = shape[0];
  const size = tensor.length / n;
  const rows = await fer.infer(Array.from({ length: n }, (_, i) => tensor.subarray(i * size, (i + 1) * size)));
  const allBinary = request.parameters?.binary_data_output === true;
  const chunks: Float32Array[] = [];
  const outputs = asked.map((o) => {
    const offset = o.name === io.logits ? 0 : NUM_OUTPUTS;
    const data = new Float32Array(n * NUM_OUTPUTS);
    rows.forEach((row, i) => data.set(row.subarray(offset, offset + NUM_OUTPUTS), i * NUM_OUTPUTS));
    const meta: TensorMetadata = { name: o.name, datatype: FP32, shape: [n, NUM_OUTPUTS] };
    return tensorEntry(meta, data, allBinary || o.parameters?.binary_data === true, chunks);
  });
  // Flat rows of numbers: tensorEntry's `data` is the protocol's (possibly nested) array type.
  const header = { model_name: name, model_version: version, ...(request.id !== undefined ? { id: request.id } : {}), outputs: outputs as z.output<typeof V2InferOutput>[] };
  if (chunks.length === 0) return header;
  const { body, headerLength } = encodeBody(header, chunks);
  return reply.header(BINARY_HEADER, String(headerLength)).type('application/octet-stream').send(body);
}
