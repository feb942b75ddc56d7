// Kernels that the wasm backend lacks and that are rare in training (e.g. UnsortedSegmentSum, the
// gradient of gather/embedding lookups; Einsum): run the cpu backend's implementation on copies of
// the inputs and copy the result back into the wasm heap. Correct, not fast.
import * as tf from '@tensorflow/tfjs';
import type { KernelArgs, TensorInfo, WasmKernel } from './util.js';
import { wasmBackend } from './util.js';

export function cpuFallback(kernelName: string): WasmKernel {
  const kernelFunc = ({ inputs, backend, attrs }: KernelArgs): TensorInfo | TensorInfo[] => {
    const b = wasmBackend(backend);
    const cpu = tf.findBackend('cpu');
    const cfg = tf.getKernel(kernelName, 'cpu');
    if (cpu === null || cfg === undefined) throw new Error(`wasm ${kernelName}: no cpu implementation to fall back on`);
    const toCpu = (t: TensorInfo): TensorInfo => ({ dataId: cpu.write(b.readSync(t.dataId), t.shape, t.dtype), shape: t.shape, dtype: t.dtype });
    // some kernels (Concat, AddN, Einsum) take an array of inputs
    const cpuInputs: TensorInfo[] | tf.NamedTensorInfoMap = Array.isArray(inputs)
      ? (inputs as TensorInfo[]).map(toCpu)
      : Object.fromEntries(Object.entries(inputs).map(([k, t]) => [k, toCpu(t as TensorInfo)]));
    try {
      const out = cfg.kernelFunc({ inputs: cpuInputs as tf.NamedTensorInfoMap, backend: cpu, attrs });
      const outs = Array.isArray(out) ? out : [out];
      const res = outs.map((o) => {
        const r = b.makeOutput(o.shape, o.dtype, undefined, cpu.readSync(o.dataId));
        cpu.disposeData(o.dataId);
        return r;
      });
      return Array.isArray(out) ? res : res[0];
    } finally {
      for (const t of Object.values(cpuInputs) as TensorInfo[]) cpu.disposeData(t.dataId);
    }
  };
  return { kernelName, kernelFunc };
}
