// Identity (tf.clone: every tensor tfjs saves for a custom gradient, e.g. fused conv2d's inputs)
// and same-dtype Cast: the stock wasm kernels copy the data; wasm tensors are immutable, so sharing
// the buffer with one more reference is enough (what the cpu backend does).
import * as tf from '@tensorflow/tfjs';
import type { KernelArgs, TensorInfo, WasmKernel } from './util.js';
import { runStock, wasmBackend } from './util.js';

function share(x: TensorInfo, backend: object): TensorInfo {
  wasmBackend(backend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

function identity({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const x = inputs.x as TensorInfo;
  return x.dtype === 'string' ? runStock(tf.Identity, wasmBackend(backend), inputs, attrs) : share(x, backend);
}

function cast({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const x = inputs.x as TensorInfo;
  const { dtype } = attrs as unknown as tf.CastAttrs;
  return dtype === x.dtype && dtype !== 'string' ? share(x, backend) : runStock(tf.Cast, wasmBackend(backend), inputs, attrs);
}

export const identityKernel: WasmKernel = { kernelName: tf.Identity, kernelFunc: identity };
export const castKernel: WasmKernel = { kernelName: tf.Cast, kernelFunc: cast };
