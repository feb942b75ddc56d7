/**
 * The inputs and outputs of an ONNX graph as Triton's model configuration names them: name,
 * Triton data type (TYPE_FP32, ...) and dims (-1 where dynamic), read from the model's protobuf.
 * Initializers listed as graph inputs (older exporters do that) are not inputs.
 */
import { DataType, decodeModel } from '../onnx.js';
import type { onnx as O } from 'onnx-proto';

export interface GraphTensor {
  name: string;
  /** Triton data type, e.g. TYPE_FP32. */
  dataType: string;
  /** Every dimension, -1 where dynamic (symbolic or absent). */
  dims: number[];
}

const TRITON_TYPES: Readonly<Record<number, string>> = Object.freeze({
  [DataType.FLOAT]: 'TYPE_FP32',
  [DataType.FLOAT16]: 'TYPE_FP16',
  [DataType.DOUBLE]: 'TYPE_FP64',
  [DataType.INT8]: 'TYPE_INT8',
  [DataType.INT16]: 'TYPE_INT16',
  [DataType.INT32]: 'TYPE_INT32',
  [DataType.INT64]: 'TYPE_INT64',
  [DataType.UINT8]: 'TYPE_UINT8',
  [DataType.UINT16]: 'TYPE_UINT16',
  [DataType.UINT32]: 'TYPE_UINT32',
  [DataType.UINT64]: 'TYPE_UINT64',
  [DataType.BOOL]: 'TYPE_BOOL',
  [DataType.STRING]: 'TYPE_STRING',
});

function tensor(v: O.IValueInfoProto): GraphTensor {
  const t = v.type?.tensorType;
  if (!t || !v.name) throw new Error(`graph value ${v.name ?? '(unnamed)'} is not a tensor`);
  const dataType = TRITON_TYPES[t.elemType ?? -1];
  if (!dataType) throw new Error(`graph value ${v.name} has ONNX element type ${t.elemType}, which Triton's configuration cannot name`);
  const dims = (t.shape?.dim ?? []).map((d) => {
    const n = d.dimValue === undefined || d.dimValue === null ? 0 : Number(d.dimValue.toString());
    return n > 0 ? n : -1;
  });
  return { name: v.name, dataType, dims };
}

export function graphIo(modelBytes: Uint8Array): { inputs: GraphTensor[]; outputs: GraphTensor[] } {
  const graph = decodeModel(modelBytes).graph;
  if (!graph) throw new Error('the model has no graph');
  const initializers = new Set((graph.initializer ?? []).map((i) => i.name));
  return {
    inputs: (graph.input ?? []).filter((i) => !initializers.has(i.name)).map(tensor),
    outputs: (graph.output ?? []).map(tensor),
  };
}
