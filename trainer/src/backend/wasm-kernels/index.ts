// Registers our wasm kernels: gradients missing from @tensorflow/tfjs-backend-wasm and faster
// replacements for slow stock ones. Idempotent.
import * as tf from '@tensorflow/tfjs';
import { conv2DBackpropFilterKernel } from './conv2d-backprop-filter.js';
import { conv2DBackpropInputKernel } from './conv2d-backprop-input.js';
import { batchMatMulKernel } from './batch-mat-mul.js';
import { cpuFallback } from './cpu-fallback.js';
import { depthwiseBackpropFilterKernel } from './depthwise-backprop-filter.js';
import { depthwiseBackpropInputKernel } from './depthwise-backprop-input.js';
import { castKernel, identityKernel } from './identity.js';
import { avgPoolGradKernel, maxPoolGradKernel } from './pool-grad.js';
import { meanKernel, sumKernel } from './reduce.js';
import { sliceKernel } from './slice.js';
import { tileKernel } from './tile.js';
import { transposeKernelConfig } from './transpose.js';
import { unsortedSegmentSumKernel } from './unsorted-segment-sum.js';
import type { WasmKernel } from './util.js';
import { rememberStock } from './util.js';

/** Rarely-used kernels the stock wasm backend lacks, served by the cpu implementation. */
const fallbacks = ['Einsum'].map(cpuFallback);

export const wasmKernels: readonly WasmKernel[] = [
  conv2DBackpropInputKernel,
  conv2DBackpropFilterKernel,
  depthwiseBackpropInputKernel,
  depthwiseBackpropFilterKernel,
  transposeKernelConfig,
  tileKernel,
  sumKernel,
  meanKernel,
  identityKernel,
  castKernel,
  batchMatMulKernel,
  maxPoolGradKernel,
  avgPoolGradKernel,
  unsortedSegmentSumKernel,
  sliceKernel,
  ...fallbacks,
];

/** Registers every kernel in `kernels` for the 'wasm' backend, replacing stock ones. */
export function registerWasmKernels(kernels: readonly WasmKernel[] = wasmKernels): string[] {
  const registered: string[] = [];
  for (const k of kernels) {
    const current = tf.getKernel(k.kernelName, 'wasm');
    if (current?.kernelFunc === k.kernelFunc) continue; // already ours
    const stock = rememberStock(k.kernelName);
    if (current !== undefined) tf.unregisterKernel(k.kernelName, 'wasm');
    // keep the stock setupFunc: our kernels may call the stock implementation, which is bound
    // to the wasm module in its setup
    tf.registerKernel({ kernelName: k.kernelName, backendName: 'wasm', kernelFunc: k.kernelFunc as tf.KernelFunc, setupFunc: stock?.setupFunc, disposeFunc: stock?.disposeFunc });
    registered.push(k.kernelName);
  }
  return registered;
}

/**
 * Baseline for benchmarks: keeps every stock kernel and registers cpu stand-ins only for the
 * gradients stock wasm lacks. Don't mix with registerWasmKernels in one process.
 */
export function registerStockFallbacks(): string[] {
  const missing = wasmKernels.map((k) => k.kernelName).filter((n) => !tf.getKernel(n, 'wasm'));
  const stand = missing.map(cpuFallback);
  stand.forEach((k) => cpuStandIns.add(k.kernelFunc));
  return registerWasmKernels(stand);
}

const cpuStandIns = new Set<WasmKernel['kernelFunc']>(fallbacks.map((k) => k.kernelFunc));

/** True when the wasm kernel registered under `kernelName` runs the cpu implementation on copies. */
export function isCpuStandIn(kernelName: string): boolean {
  const k = tf.getKernel(kernelName, 'wasm');
  return k !== undefined && cpuStandIns.has(k.kernelFunc as WasmKernel['kernelFunc']);
}
