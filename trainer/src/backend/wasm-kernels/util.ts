// Shared helpers for our wasm kernels. Kernels here compose the wasm backend's own (fast, XNNPACK)
// kernel functions directly on TensorInfos instead of going through `tf.*` ops: no engine
// bookkeeping, no tape, and every intermediate is released with `free()` (each TensorInfo a wasm
// kernel returns owns exactly one reference on its dataId, reshape outputs included).
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export type TensorInfo = tf.TensorInfo;
export type { BackendWasm };

/** The arguments a registered kernel function receives. */
export interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: object;
  attrs?: tf.NamedAttrMap;
}

/** A kernel of ours: name plus a function that receives the wasm backend. */
export interface WasmKernel {
  kernelName: string;
  kernelFunc: (args: KernelArgs) => TensorInfo | TensorInfo[];
}

/** Stock wasm kernel functions that we replaced, captured before replacement. */
const stockKernels = new Map<string, tf.KernelFunc>();

export function rememberStock(kernelName: string): tf.KernelConfig | undefined {
  const cfg = tf.getKernel(kernelName, 'wasm');
  if (cfg !== undefined && !stockKernels.has(kernelName)) stockKernels.set(kernelName, cfg.kernelFunc);
  return cfg;
}

function invoke(fn: tf.KernelFunc, name: string, backend: BackendWasm, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap): TensorInfo {
  const out = fn({ inputs, backend, attrs });
  if (Array.isArray(out)) throw new Error(`kernel ${name} returned ${out.length} outputs, expected 1`);
  return out;
}

/** Runs the wasm kernel currently registered under `name` (ours if we replaced it). */
export function run(name: string, backend: BackendWasm, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {}): TensorInfo {
  const cfg = tf.getKernel(name, 'wasm');
  if (cfg === undefined) throw new Error(`Kernel '${name}' not registered for backend 'wasm'`);
  return invoke(cfg.kernelFunc, name, backend, inputs, attrs);
}

/** Runs the stock (tfjs-shipped) wasm kernel `name`, even when we registered a replacement. */
export function runStock(name: string, backend: BackendWasm, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {}): TensorInfo {
  const fn = stockKernels.get(name) ?? tf.getKernel(name, 'wasm')?.kernelFunc;
  if (fn === undefined) throw new Error(`Kernel '${name}' not registered for backend 'wasm'`);
  return invoke(fn, name, backend, inputs, attrs);
}

/** Releases intermediates (one reference each). */
export function free(backend: BackendWasm, ...infos: TensorInfo[]): void {
  for (const t of infos) backend.disposeData(t.dataId);
}

export function wasmBackend(backend: object): BackendWasm {
  return backend as BackendWasm;
}

// ---- thin typed wrappers over stock kernels -------------------------------------------------

export const reshape = (b: BackendWasm, x: TensorInfo, shape: number[]): TensorInfo => run('Reshape', b, { x }, { shape });

export const slice = (b: BackendWasm, x: TensorInfo, begin: number[], size: number[]): TensorInfo =>
  run('Slice', b, { x }, { begin, size });

export const pad = (b: BackendWasm, x: TensorInfo, paddings: Array<[number, number]>, constantValue = 0): TensorInfo =>
  run('PadV2', b, { x }, { paddings, constantValue });

export const concat = (b: BackendWasm, tensors: TensorInfo[], axis: number): TensorInfo => {
  // the stock Concat kernel takes its inputs as an array
  return run('Concat', b, tensors as unknown as tf.NamedTensorInfoMap, { axis });
};

/** Stock wasm NHWC conv2d with explicit padding [top, bottom, left, right]. */
export function conv2d(b: BackendWasm, x: TensorInfo, filter: TensorInfo, strides: [number, number], dilations: [number, number], pads: [number, number, number, number]): TensorInfo {
  const [t, bo, l, r] = pads;
  return runStock('Conv2D', b, { x, filter }, {
    strides, dilations, pad: [[0, 0], [t, bo], [l, r], [0, 0]], dataFormat: 'NHWC',
  });
}

/** Stock wasm NHWC depthwise conv with explicit padding [top, bottom, left, right]. */
export function depthwiseConv2d(b: BackendWasm, x: TensorInfo, filter: TensorInfo, strides: [number, number], dilations: [number, number], pads: [number, number, number, number]): TensorInfo {
  const [t, bo, l, r] = pads;
  return runStock('DepthwiseConv2dNative', b, { x, filter }, {
    strides, dilations, pad: [[0, 0], [t, bo], [l, r], [0, 0]], dataFormat: 'NHWC',
  });
}

export const pair = (v: number | [number, number] | number[]): [number, number] =>
  typeof v === 'number' ? [v, v] : [v[0], v[1] ?? v[0]];
